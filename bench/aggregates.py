"""The dashboard and the problem list at a million logged turns: full scan vs daily rollups.

``make bench ARGS=--only-aggregates`` (``python -m bench.run_bench --only-aggregates``)
generates the traffic (:func:`traffic`: sessions of one to eight turns over a year, the
outcome mix of a busy hotline, votes and ratings), bulk-loads it (SQLite ``executemany``,
PostgreSQL ``COPY``; the rollups are then computed by :func:`hotline.reports.rollups.rebuild`,
as migration 0012 does), and times each request for a 30-day and a 365-day period, before
(every row of the period read: :func:`hotline.reports.counts.scan_counts`, and the problem
list's full collection) and after (the rollups; the newest open items only).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.databases import BENCH_POSTGRES_URL, postgres_schema
from hotline.conversations.models import ChatTurn
from hotline.db import Base, init_schema, make_engine, make_session_factory
from hotline.problems.clustering import cluster
from hotline.problems.models import ProblemResolution
from hotline.problems.service import ProblemList
from hotline.problems.sources import ProblemItem, collect
from hotline.reports.counts import scan_counts
from hotline.reports.dashboard import DashboardReports
from hotline.reports.period import Period
from hotline.reports.rollups import rebuild
from hotline.tickets.deadlines import BEIJING
from hotline.tickets.models import AnswerVote, Rating

CHANNELS = (("web", 60), ("wechat", 25), ("ehuiban", 10), ("phone", 5))
OUTCOMES = (("answered", 62), ("declined", 12), ("referred", 8), ("smalltalk", 6),
            ("liaison", 5), ("handoff", 3), ("status", 2), ("dialogue", 2))
TOPICS = ("高企认定", "研发费用加计扣除", "科技型中小企业评价", "孵化器认定", "技术合同登记",
          "专精特新申报", "众创空间备案", "重点实验室", "科技成果转化", "人才计划")
ASKS = ("要多久", "需要哪些材料", "在哪里办理", "有什么条件", "补贴多少", "怎么申报",
        "截止时间是什么时候", "找谁咨询")


@dataclass
class Traffic:
    """Rows to bulk-load: turns, votes and ratings (dicts of column values, ids set)."""

    turns: list[dict[str, Any]] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def traffic(turns: int, end: date, days: int = 365, seed: int = 12) -> Traffic:
    """``turns`` turns in sessions spread over the ``days`` Beijing days up to ``end``,
    oldest first with distinct timestamps; about 5 % of answers voted on, 3 % of sessions
    rated. The same arguments give the same rows."""
    rng = random.Random(seed)
    start = datetime.combine(end - timedelta(days=days - 1), clock_time(), BEIJING)
    step = days * 86_400 / max(turns, 1)  # seconds between two turns, on average
    out = Traffic()
    first, session = start.astimezone(UTC), 0
    while len(out.turns) < turns:
        session += 1
        channel, session_id = _pick(rng, CHANNELS), f"bench:{session}"
        for _ in range(min(rng.randint(1, 8), turns - len(out.turns))):
            moment = first + timedelta(seconds=step * (len(out.turns) + 0.9 * rng.random()))
            outcome = _pick(rng, OUTCOMES)
            fallback = outcome == "dialogue" or rng.random() < 0.03
            text = "/affirm" if rng.random() < 0.01 else \
                f"{rng.choice(TOPICS)}{rng.choice(ASKS)}"
            turn_id = len(out.turns) + 1
            out.turns.append({"id": turn_id, "session_id": session_id, "channel": channel,
                              "text": text, "intent": "nlu_fallback" if fallback else
                              "ask_policy", "outcome": outcome, "confidence": None,
                              "top_doc_id": None, "top_section": None, "created_at": moment})
            if outcome == "answered" and rng.random() < 0.05:
                out.votes.append({"id": len(out.votes) + 1, "turn_id": turn_id,
                                  "session_id": session_id, "helpful": rng.random() < 0.7,
                                  "created_at": moment + timedelta(seconds=1)})
        if rng.random() < 0.03:
            out.ratings.append({"id": len(out.ratings) + 1,
                                "subject": f"chat:{session_id}:{len(out.turns)}",
                                "session_id": session_id, "ticket_id": None,
                                "channel": channel, "level": rng.choice((5, 5, 5, 4, 4, 3, 2, 1)),
                                "comment": "", "created_at": moment + timedelta(seconds=2)})
    return out


def _table(model: type[Base]) -> sa.Table:
    return cast(sa.Table, model.__table__)


def bulk_load(engine: Engine, rows: Traffic, batch: int = 20_000) -> None:
    """Insert the rows fast, past the ORM (so past the rollups' listeners: rebuild after)."""
    tables = ((_table(ChatTurn), rows.turns), (_table(AnswerVote), rows.votes),
              (_table(Rating), rows.ratings))
    if engine.dialect.name == "postgresql":
        _copy(engine, tables)
        return
    with engine.begin() as connection:
        for table, values in tables:
            for start in range(0, len(values), batch):
                connection.execute(sa.insert(table), values[start:start + batch])


def _copy(engine: Engine, tables: tuple[tuple[Any, list[dict[str, Any]]], ...]) -> None:
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for table, values in tables:
                if not values:
                    continue
                columns = list(values[0])
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row([row[c] for c in columns])
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f"(SELECT max(id) FROM {table.name}))")
        raw.commit()
    finally:
        raw.close()


class FullScanProblemList(ProblemList):
    """The problem list as it was before 0012: every item collected, then the newest kept."""

    def open_items(self) -> list[ProblemItem]:
        with self._sessions() as session:
            items = collect(session, self.clock())
            keys = [item.key for item in items]
            resolved: set[str] = set()
            for start in range(0, len(keys), 500):
                resolved.update(session.scalars(select(ProblemResolution.item_key).where(
                    ProblemResolution.item_key.in_(keys[start:start + 500]))))
        return [item for item in items if item.key not in resolved][-self.max_items:]


def _timed(call: Callable[[], object], repeat: int, trace: bool) -> tuple[float, str]:
    """(median seconds of ``repeat`` calls, peak traced MiB of one more call when ``trace``:
    tracemalloc slows a call about twofold, so the slowest full scans go without)."""
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    if not trace:
        return statistics.median(seconds), "-"
    tracemalloc.start()
    call()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(seconds), f"{peak / 2**20:.1f}"


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[Engine | None]:
    """A migrated, empty database (SQLite file, or a throwaway PostgreSQL schema; None when
    PostgreSQL is not reachable)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'aggregates.sqlite3'}")
        init_schema(engine)
        yield engine
        engine.dispose()
        return
    with postgres_schema() as url:
        if url is None:
            yield None
            return
        engine = make_engine(url)
        try:
            init_schema(engine)
            yield engine
        finally:
            engine.dispose()


def _ratio(before: float, after: float) -> str:
    return f"{before / after:,.0f}x" if after > 0 else "-"


def _bench_one(engine: Engine, rows: Traffic, end: date, repeat: int) -> Iterator[str]:
    began = time.perf_counter()
    bulk_load(engine, rows)
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    with engine.begin() as connection:
        counters = rebuild(connection)
    rebuilt = time.perf_counter() - began
    with engine.begin() as connection:  # planner statistics, as autovacuum would gather
        connection.exec_driver_sql("ANALYZE")
    sessions: sessionmaker[Session] = make_session_factory(engine)
    now = datetime.combine(end, clock_time(23, 59, 59), BEIJING).astimezone(UTC)
    yield (f"  loaded {len(rows.turns):,} turns, {len(rows.votes):,} votes, "
           f"{len(rows.ratings):,} ratings in {loaded:.1f} s; rebuild() → {counters:,} "
           f"counters in {rebuilt:.1f} s")
    yield (f"  {'request':<30} {'before s':>9} {'after s':>9} {'ratio':>7} "
           f"{'before MiB':>10} {'after MiB':>9}")
    scan, rollup = DashboardReports(sessions, scan_counts), DashboardReports(sessions)
    old = FullScanProblemList(sessions, None, lambda: now)
    new = ProblemList(sessions, None, lambda: now)
    for days in (30, 365):
        period = Period.ending(end, days)
        if scan.build(period, now).as_json()["tables"] != \
                rollup.build(period, now).as_json()["tables"]:
            raise AssertionError(f"the rollups disagree with the full scan over {days} days")
        cases = (("dashboard", lambda p=period: scan.build(p, now),
                  lambda p=period: rollup.build(p, now)),
                 ("problem list", lambda d=days: old.groups(since=now - timedelta(days=d)),
                  lambda d=days: new.groups(since=now - timedelta(days=d))))
        for name, before, after in cases:
            b_s, b_mib = _timed(before, repeat, trace=name == "dashboard" and days == 30)
            a_s, a_mib = _timed(after, repeat, trace=True)
            yield (f"  {f'{name}, {days} days':<30} {b_s:9.3f} {a_s:9.3f} "
                   f"{_ratio(b_s, a_s):>7} {b_mib:>10} {a_mib:>9}")


def bench_clustering(items: int = 3000, dimension: int = 384, seed: int = 12) -> str:
    """The clustering's cost at the problem list's cap (``max_items``): the same whatever
    the history, so one line."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(items // 10, dimension))
    vectors = centres[rng.integers(0, len(centres), items)] + \
        0.1 * rng.normal(size=(items, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    began = time.perf_counter()
    groups = cluster(vectors.astype(np.float32), 0.92)
    return (f"Clustering at the cap: {items:,} items ({dimension}-d) → {len(groups):,} groups "
            f"in {time.perf_counter() - began:.2f} s (complete linkage; the cap bounds it)")


def bench_aggregates(turns: int = 1_000_000, repeat: int = 1) -> Iterator[str]:
    """The table, line by line: both databases, 30 and 365 days, before vs after."""
    end = datetime.now(BEIJING).date()
    began = time.perf_counter()
    rows = traffic(turns, end)
    yield (f"Dashboard and problem list at {turns:,} logged turns over 365 days "
           f"(generated in {time.perf_counter() - began:.1f} s; median of {repeat}; "
           "before = every row of the period read, after = daily rollups and the newest "
           "open items; problem list without the model: identical texts group):")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            with _database(kind, Path(tmp)) as engine:
                if engine is None:
                    yield f"{kind}: not reachable at {BENCH_POSTGRES_URL}, skipped"
                    continue
                yield f"{kind}:"
                yield from _bench_one(engine, rows, end, repeat)
    yield bench_clustering()
