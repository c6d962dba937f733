"""Keep the daily counts (:class:`~hotline.reports.models.DailyCount`) in the transaction that
logs each turn, vote and rating.

Mapper events on :class:`ChatTurn`, :class:`AnswerVote` and :class:`Rating` add to the
counter rows on the connection of the flush that inserts (or changes) the row, so a count
commits or rolls back with what it counts, whichever code path writes it, and there is no
lag and no high-water mark to lose rows by: on PostgreSQL several app processes commit
turns out of id order, which a catch-up job reading "ids above the last seen" would skip.
Each increment is one ``INSERT … ON CONFLICT DO UPDATE SET value = value + n``, atomic on
PostgreSQL and SQLite alike; two writers of the same day's counter queue on its row lock
for the rest of their (short) transaction. A conversation counts once per day and channel:
its ``conversation_days`` key is inserted ``ON CONFLICT DO NOTHING`` and only the insert
that created it adds one.

Not followed: bulk ``update()`` / ``delete()`` statements and raw SQL (nothing in the app
writes these tables that way; turns, votes and ratings are never deleted) — :func:`rebuild`
recomputes every count from the rows (migration 0012 runs it, and so does the benchmark after
its bulk insert). This module is in ``MODEL_MODULES``: :func:`hotline.db.import_models`,
which every start runs through ``init_schema``, installs the listeners.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from hotline.conversations.kinds import problem_kind
from hotline.conversations.models import ChatTurn
from hotline.reports.models import CONVERSATION_DAYS, DAILY_COUNTS
from hotline.reports.period import beijing_day
from hotline.tickets.models import AnswerVote, Rating

log = logging.getLogger(__name__)

CountKey = tuple[str, date, str, str]  # metric, day, channel, label
_TURN_FIELDS = ("created_at", "channel", "outcome", "intent", "text", "session_id")
_BATCH = 5000  # rows per executemany in rebuild()


# -- what one row counts ---------------------------------------------------------------------
def turn_counts(created_at: datetime, channel: str, outcome: str, intent: str | None,
                text: str) -> list[CountKey]:
    """The counters one logged turn adds one to (not the conversation: see
    :func:`count_conversation`)."""
    day = beijing_day(created_at)
    keys: list[CountKey] = [("turns", day, channel, outcome)]
    kind = problem_kind(intent, outcome, text)
    if kind is not None:
        keys.append(("problems", day, channel, kind))
    return keys


def vote_counts(created_at: datetime, helpful: bool) -> list[CountKey]:
    """The counter an answer vote adds one to."""
    return [("votes", beijing_day(created_at), "", "helpful" if helpful else "not_helpful")]


def rating_counts(created_at: datetime, channel: str, level: int) -> list[CountKey]:
    """The counter a 好差评 rating adds one to."""
    return [("ratings", beijing_day(created_at), channel, str(level))]


# -- writing ---------------------------------------------------------------------------------
def _insert(connection: Connection, table: Any) -> Any:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite have the same one)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    return None


def bump(connection: Connection, keys: Iterable[CountKey], delta: int = 1) -> None:
    """Add ``delta`` to each counter (creating it), in the connection's transaction.

    Keys are applied in sorted order, so two transactions that touch the same counters lock
    them in the same order and cannot deadlock on them.
    """
    table = DAILY_COUNTS
    insert = _insert(connection, table)
    for metric, day, channel, label in sorted(set(keys)):
        values = {"metric": metric, "day": day, "channel": channel, "label": label}
        if insert is not None:
            connection.execute(insert.values(**values, value=delta).on_conflict_do_update(
                index_elements=["metric", "day", "channel", "label"],
                set_={"value": table.c.value + delta}))
            continue
        changed = connection.execute(update(table).filter_by(**values)
                                     .values(value=table.c.value + delta))
        if not changed.rowcount:  # another database: good enough without ON CONFLICT
            connection.execute(table.insert().values(**values, value=delta))


def count_conversation(connection: Connection, day: date, channel: str,
                       session_id: str) -> None:
    """Count the session's conversation of that day and channel, once."""
    table = CONVERSATION_DAYS
    key = {"day": day, "channel": channel, "session_id": session_id}
    insert = _insert(connection, table)
    if insert is not None:
        created = connection.execute(insert.values(**key).on_conflict_do_nothing()
                                     .returning(table.c.day)).first() is not None
    else:
        seen = connection.execute(select(table.c.day).filter_by(**key)).first() is not None
        if not seen:
            connection.execute(table.insert().values(**key))
        created = not seen
    if created:
        bump(connection, [("conversations", day, channel, "")])


# -- the listeners ---------------------------------------------------------------------------
def _previous(target: Any, names: Iterable[str]) -> dict[str, Any] | None:
    """The values ``names`` had before this flush's changes; None when an old value is
    unknown (the attribute was set without being loaded first)."""
    state: Any = inspect(target)
    old: dict[str, Any] = {}
    for name in names:
        history = state.attrs[name].history
        if history.deleted:
            old[name] = history.deleted[0]
        elif history.added:
            return None
        else:
            old[name] = getattr(target, name)
    return old


def _changed(target: Any, names: tuple[str, ...]) -> tuple[dict[str, Any],
                                                           dict[str, Any]] | None:
    """(old, new) values of ``names`` when the flush changes any of them."""
    new = {name: getattr(target, name) for name in names}
    old = _previous(target, names)
    if old is None:
        log.warning("%s changed without its old values loaded: daily counts not adjusted",
                    type(target).__name__)
        return None
    return (old, new) if old != new else None


@event.listens_for(ChatTurn, "after_insert")
def _turn_logged(_mapper: Mapper[Any], connection: Connection, turn: ChatTurn) -> None:
    bump(connection, turn_counts(turn.created_at, turn.channel, turn.outcome, turn.intent,
                                 turn.text))
    count_conversation(connection, beijing_day(turn.created_at), turn.channel,
                       turn.session_id)


@event.listens_for(ChatTurn, "before_update")
def _turn_changed(_mapper: Mapper[Any], connection: Connection, turn: ChatTurn) -> None:
    change = _changed(turn, _TURN_FIELDS)
    if change is None:
        return
    old, new = change
    fields = ("created_at", "channel", "outcome", "intent", "text")
    bump(connection, turn_counts(*(old[f] for f in fields)), -1)
    bump(connection, turn_counts(*(new[f] for f in fields)))
    # the old conversation key stays: the session may have other turns that day
    count_conversation(connection, beijing_day(new["created_at"]), new["channel"],
                       new["session_id"])


@event.listens_for(AnswerVote, "after_insert")
def _vote_cast(_mapper: Mapper[Any], connection: Connection, vote: AnswerVote) -> None:
    bump(connection, vote_counts(vote.created_at, vote.helpful))


@event.listens_for(AnswerVote, "before_update")
def _vote_changed(_mapper: Mapper[Any], connection: Connection, vote: AnswerVote) -> None:
    change = _changed(vote, ("created_at", "helpful"))
    if change is not None:  # a new vote on the same answer replaces the old one
        old, new = change
        bump(connection, vote_counts(old["created_at"], old["helpful"]), -1)
        bump(connection, vote_counts(new["created_at"], new["helpful"]))


@event.listens_for(Rating, "after_insert")
def _rated(_mapper: Mapper[Any], connection: Connection, rating: Rating) -> None:
    bump(connection, rating_counts(rating.created_at, rating.channel, rating.level))


@event.listens_for(Rating, "before_update")
def _rating_changed(_mapper: Mapper[Any], connection: Connection, rating: Rating) -> None:
    change = _changed(rating, ("created_at", "channel", "level"))
    if change is not None:
        old, new = change
        bump(connection, rating_counts(old["created_at"], old["channel"], old["level"]), -1)
        bump(connection, rating_counts(new["created_at"], new["channel"], new["level"]))


# -- from scratch ----------------------------------------------------------------------------
def _counted(connection: Connection) -> tuple[Counter[CountKey], set[tuple[date, str, str]]]:
    counts: Counter[CountKey] = Counter()
    sessions: set[tuple[date, str, str]] = set()
    turns = select(ChatTurn.created_at, ChatTurn.channel, ChatTurn.outcome, ChatTurn.intent,
                   ChatTurn.text, ChatTurn.session_id)
    for created_at, channel, outcome, intent, text, session_id in _stream(connection, turns):
        counts.update(turn_counts(created_at, channel, outcome, intent, text))
        sessions.add((beijing_day(created_at), channel, session_id))
    counts.update(("conversations", day, channel, "") for day, channel, _s in sessions)
    for created_at, helpful in _stream(connection, select(AnswerVote.created_at,
                                                          AnswerVote.helpful)):
        counts.update(vote_counts(created_at, helpful))
    for created_at, channel, level in _stream(connection, select(
            Rating.created_at, Rating.channel, Rating.level)):
        counts.update(rating_counts(created_at, channel, level))
    return counts, sessions


def _stream(connection: Connection, query: Any) -> Iterator[Any]:
    yield from connection.execute(query.execution_options(yield_per=_BATCH))


def rebuild(connection: Connection) -> int:
    """Recompute every daily count from the rows (idempotent); the number of counters.

    Reads each table once, streaming, in this connection's transaction: run it where no
    one writes (a migration, a maintenance window), or the rows written meanwhile are
    counted twice (by their listener and by this).
    """
    counts, sessions = _counted(connection)
    connection.execute(delete(DAILY_COUNTS))
    connection.execute(delete(CONVERSATION_DAYS))
    _insert_all(connection, CONVERSATION_DAYS,
                ({"day": d, "channel": c, "session_id": s} for d, c, s in sorted(sessions)))
    _insert_all(connection, DAILY_COUNTS,
                ({"metric": m, "day": d, "channel": c, "label": label, "value": n}
                 for (m, d, c, label), n in sorted(counts.items())))
    return len(counts)


def _insert_all(connection: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
