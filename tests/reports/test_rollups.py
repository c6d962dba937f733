"""The daily rollups (SQLite and PostgreSQL): kept as turns, votes and ratings are logged,
equal to the full scan on generated traffic, right with two writers at once, rebuilt
idempotently, and backfilled by migration 0012 from the rows stored before it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.aggregates import Traffic, bulk_load, traffic
from hotline.conversations.log import ConversationLog
from hotline.conversations.models import ChatTurn
from hotline.db import alembic_config, make_engine, make_session_factory
from hotline.reports.counts import rollup_counts, scan_counts
from hotline.reports.dashboard import DashboardReports, Period
from hotline.reports.models import ConversationDay, DailyCount
from hotline.reports.rollups import rebuild
from hotline.tickets.deadlines import BEIJING
from hotline.tickets.models import AnswerVote, Rating
from tests.databases import database

END = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=BEIJING)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    with database(request.param, tmp_path) as (engine, url):
        yield engine, url


def log_through_orm(sessions: sessionmaker[Session], rows: Traffic) -> None:
    """Each row added as the app adds it (one ORM flush each), so the listeners count it."""
    for turn in rows.turns:
        with sessions.begin() as session:
            session.add(ChatTurn(**{k: v for k, v in turn.items() if k != "id"}))
    for vote in rows.votes:
        with sessions.begin() as session:
            session.add(AnswerVote(**{k: v for k, v in vote.items() if k != "id"}))
    for rating in rows.ratings:
        with sessions.begin() as session:
            session.add(Rating(**{k: v for k, v in rating.items() if k != "id"}))


def stored(engine: Engine) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    with engine.connect() as connection:
        counts = {tuple(r) for r in connection.execute(select(DailyCount.__table__))}
        days = {tuple(r) for r in connection.execute(select(ConversationDay.__table__))}
    return counts, days


PERIODS = [Period.ending(END, 30), Period.ending(END, 7), Period(date(2026, 11, 1),
                                                                 date(2026, 11, 1)),
           Period.ending(END + timedelta(days=3), 5)]


def test_the_rollup_dashboard_equals_the_full_scan_on_generated_traffic(
        db: tuple[Engine, str]) -> None:
    engine, _url = db
    sessions = make_session_factory(engine)
    rows = traffic(400, END, days=30, seed=7)
    log_through_orm(sessions, rows)
    with sessions() as session:  # the vote a session changes its mind on moves its count
        vote = session.scalars(select(AnswerVote).order_by(AnswerVote.id)).first()
        assert vote is not None
        vote.helpful = not vote.helpful
        session.commit()

    scan, rollup = DashboardReports(sessions, scan_counts), DashboardReports(sessions)
    for period in PERIODS:
        with sessions() as session:
            assert rollup_counts(session, period) == scan_counts(session, period)
        before, after = scan.build(period, NOW).as_json(), rollup.build(period, NOW).as_json()
        assert after == before
    month = rollup.build(PERIODS[0], NOW)
    assert month.summary["messages"] == len(rows.turns)
    assert month.summary["conversations"] >= len({t["session_id"] for t in rows.turns})
    assert sum(r["count"] for r in month.tables["ratings"].rows) == len(rows.ratings) > 0
    votes = month.tables["votes"].rows
    assert sum(r["helpful"] + r["not_helpful"] for r in votes) == len(rows.votes) > 0


def test_rebuild_gives_the_listeners_counts_and_is_idempotent(db: tuple[Engine, str]) -> None:
    engine, _url = db
    sessions = make_session_factory(engine)
    log_through_orm(sessions, traffic(150, END, days=10, seed=3))
    kept = stored(engine)
    assert kept[0] and kept[1]
    for _ in range(2):
        with engine.begin() as connection:
            rebuild(connection)
        assert stored(engine) == kept


def test_two_writers_at_once_count_every_turn_once(db: tuple[Engine, str]) -> None:
    engine, url = db
    turns, per_writer = [], 40

    def write(writer: int) -> None:
        own = make_engine(url)  # its own pool: another process would do the same
        log = ConversationLog(make_session_factory(own))
        try:
            for n in range(per_writer):  # the same day, channel and outcome: one hot counter
                turns.append(log.record(session_id=f"web:{n % 7}", channel="web",
                                        text=f"问题{writer}-{n}", intent="ask_policy",
                                        outcome="declined", confidence=None,
                                        top_doc_id=None, top_section=None))
        finally:
            own.dispose()

    writers = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()

    assert len(turns) == 2 * per_writer
    sessions = make_session_factory(engine)
    today = datetime.now(UTC).astimezone(BEIJING).date()
    period = Period(today - timedelta(days=1), today)
    with sessions() as session:
        counts = rollup_counts(session, period)
        assert counts == scan_counts(session, period)
        problems = session.scalar(select(sa.func.sum(DailyCount.value)).where(
            DailyCount.metric == "problems", DailyCount.label == "declined"))
    assert sum(counts.turns.values()) == 2 * per_writer == problems
    assert sum(counts.conversations.values()) >= 7  # web:0 … web:6, once a day each


def test_migration_0012_counts_the_rows_stored_before_it(db: tuple[Engine, str]) -> None:
    engine, url = db
    config = alembic_config(url)
    command.downgrade(config, "0011")  # to just before 0012
    rows = traffic(300, END, days=20, seed=5)
    bulk_load(engine, rows)  # Core inserts, as the app wrote them before 0012
    command.upgrade(config, "head")

    sessions = make_session_factory(engine)
    with sessions() as session:
        for period in PERIODS:
            assert rollup_counts(session, period) == scan_counts(session, period)
        assert session.scalar(select(sa.func.sum(DailyCount.value)).where(
            DailyCount.metric == "turns")) == len(rows.turns)


def test_a_turn_whose_outcome_changes_moves_its_counts(db: tuple[Engine, str]) -> None:
    engine, _url = db
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        turn = ChatTurn(session_id="web:x", channel="web", text="高企认定要多久",
                        intent="ask_policy", outcome="answered", confidence=0.8,
                        created_at=NOW)
        session.add(turn)
    with sessions.begin() as session:
        changed = session.get(ChatTurn, turn.id)
        assert changed is not None
        changed.outcome = "declined"

    with sessions() as session:
        counts = rollup_counts(session, Period(END, END))
        assert counts == scan_counts(session, Period(END, END))
        problems = session.scalars(select(DailyCount.label).where(
            DailyCount.metric == "problems", DailyCount.value > 0)).all()
    assert counts.turns == {(END, "web", "declined"): 1}
    assert problems == ["declined"] and counts.conversations == {(END, "web"): 1}
