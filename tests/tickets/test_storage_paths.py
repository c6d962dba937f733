"""SQLite's read path never takes the write lock; a write that meets the lock is retried and
then fails visibly (:class:`hotline.db.DatabaseBusy`, 503), never dropped.

A "foreign writer" is a plain ``sqlite3`` connection holding ``BEGIN IMMEDIATE`` — another
process in the middle of a write. The engines here wait only 0.1 s for the lock, so a
reader that still took it would fail fast ("database is locked") instead of passing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.log import ConversationLog
from hotline.conversations.models import ChatTurn
from hotline.db import (
    DatabaseBusy,
    init_schema,
    make_engine,
    make_session_factory,
    ping,
    read_sessions,
    retry_locked,
)
from hotline.notifications.inbox import Inbox
from hotline.notifications.outbox import Outbox
from hotline.tickets.deadlines import DeadlinePolicy
from hotline.tickets.notify import NullNotifier
from hotline.tickets.service import NewTicket, TicketFilter, TicketService

SHORT_WAIT = 0.1  # seconds an engine waits for the write lock before "database is locked"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], Path]]:
    path = tmp_path / "locks.sqlite3"
    engine = make_engine(f"sqlite:///{path}", busy_timeout=SHORT_WAIT)
    init_schema(engine)
    yield make_session_factory(engine), path
    engine.dispose()


@contextmanager
def foreign_writer(path: Path, release: threading.Event | None = None) -> Iterator[None]:
    """Hold SQLite's write lock from another connection for the block (or until
    ``release`` is set, from a thread)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO chat_turns (session_id, channel, text, outcome, created_at)"
                       " VALUES ('foreign', 'web', 'held', 'answered', '2025-01-01 00:00:00')")
    finished = threading.Event()

    def hold() -> None:
        if release is not None:
            release.wait(30)
        connection.commit()
        finished.set()

    holder = threading.Thread(target=hold, daemon=True) if release is not None else None
    if holder is not None:
        holder.start()
    try:
        yield
    finally:
        if holder is None:
            hold()
        else:
            release.set()  # type: ignore[union-attr]
            holder.join(30)
        connection.close()


def new(session_id: str = "web-locks") -> NewTicket:
    return NewTicket(session_id=session_id, channel="web", question="研发费用加计扣除怎么申报",
                     company="武汉星河科技有限公司", phone="13912345678", district="光谷")


def test_an_open_read_session_does_not_block_a_writer(
        sqlite_db: tuple[sessionmaker[Session], Path]) -> None:
    sessions, _path = sqlite_db
    reads = read_sessions(sessions)
    with reads() as reader:  # a long list or poll, mid-way
        assert reader.scalar(select(func.count(ChatTurn.id))) == 0
        with sessions.begin() as writer:  # before: "database is locked" after SHORT_WAIT
            writer.add(ChatTurn(session_id="s", channel="web", text="你好", outcome="answered"))
        assert reader.scalar(select(func.count(ChatTurn.id))) == 0  # its own snapshot
    with reads() as reader:
        assert reader.scalar(select(func.count(ChatTurn.id))) == 1


def test_the_read_paths_answer_while_another_process_writes(
        sqlite_db: tuple[sessionmaker[Session], Path], knowledge: Any) -> None:
    sessions, path = sqlite_db
    tickets = TicketService(sessions, lambda: knowledge.directory, NullNotifier(),
                            DeadlinePolicy.from_config())
    ticket = tickets.open(new())
    log = ConversationLog(sessions)
    log.record(session_id="web-locks", channel="web", text="你好", intent=None,
               outcome="answered", confidence=None, top_doc_id=None, top_section=None)
    inbox, outbox = Inbox(sessions), Outbox(sessions)
    engine = sessions.kw["bind"]
    with foreign_writer(path):
        # every one of these took BEGIN IMMEDIATE before, and so failed here
        assert tickets.get(ticket.id).id == ticket.id
        assert tickets.list(TicketFilter())[1] == 1
        assert [t.id for t in tickets.for_identity("web-locks")] == [ticket.id]
        assert tickets.escalate_overdue() == []  # the candidates scan; none is due
        assert [t.text for t in log.recent("web-locks")] == ["你好"]
        assert inbox.list("staff", "彭华魁") == ([], 0)
        assert outbox.claim_due() == []  # nothing due: the poll alone never writes
        assert outbox.counts()["pending"] == 0
        ping(engine)  # the health check
        with pytest.raises(DatabaseBusy):  # while writes wait, retry, and then say so
            tickets.act(ticket.id, "contact", "彭华魁")


def test_a_read_session_refuses_to_write(sqlite_db: tuple[sessionmaker[Session], Path]) -> None:
    sessions, _path = sqlite_db
    with read_sessions(sessions)() as reader:
        reader.add(ChatTurn(session_id="s", channel="web", text="你好", outcome="answered"))
        with pytest.raises(OperationalError, match="readonly"):
            reader.flush()  # not quietly upgraded to the write lock
    with sessions.begin() as writer:  # the pooled connection writes again on the write path
        writer.execute(text("INSERT INTO chat_turns (session_id, channel, text, outcome, "
                            "created_at) VALUES ('s', 'web', 'x', 'answered', "
                            "'2025-01-01 00:00:00')"))


def test_a_write_that_meets_a_short_lock_is_retried_and_stored(
        sqlite_db: tuple[sessionmaker[Session], Path]) -> None:
    sessions, path = sqlite_db
    log = ConversationLog(sessions)
    release = threading.Event()
    with foreign_writer(path, release):
        threading.Timer(0.35, release.set).start()  # the other write ends after ~3 waits
        turn_id = log.record(session_id="web-retry", channel="web", text="高企认定要多久",
                             intent=None, outcome="answered", confidence=0.9,
                             top_doc_id=None, top_section=None)
    assert [t.id for t in log.recent("web-retry")] == [turn_id]


def test_a_write_locked_throughout_fails_visibly_and_stores_nothing(
        sqlite_db: tuple[sessionmaker[Session], Path]) -> None:
    sessions, path = sqlite_db
    log = ConversationLog(sessions)
    with foreign_writer(path), pytest.raises(DatabaseBusy) as raised:
        log.record(session_id="web-busy", channel="web", text="高企认定要多久", intent=None,
                   outcome="answered", confidence=0.9, top_doc_id=None, top_section=None)
    assert raised.value.message == "系统繁忙，请稍后再试"
    assert log.recent("web-busy") == []


def test_other_database_errors_are_not_retried_nor_called_busy() -> None:
    calls: list[int] = []

    @retry_locked
    def broken() -> None:
        calls.append(1)
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError, match="no such table"):
        broken()
    assert calls == [1]


def test_a_busy_database_is_a_503_with_a_chinese_message(
        sqlite_db: tuple[sessionmaker[Session], Path], tmp_path: Path, knowledge: Any) -> None:
    from api.main import create_app
    from api.runtime import IndexState, Runtime
    from hotline.settings import Settings

    sessions, path = sqlite_db
    engine = sessions.kw["bind"]
    settings = Settings(DATABASE_URL=str(engine.url), RASA_URL="", RASA_TOKEN="test-token",
                        NOTIFY_WEBHOOK_URL="", SMTP_HOST="", NOTIFY_EMAILS={},
                        ESCALATION_INTERVAL_SECONDS=0, RATE_LIMITS_ENABLED=False,
                        VAR_DIR=tmp_path)
    runtime = Runtime(settings, knowledge, engine, sessions, ConversationLog(sessions),
                      embedder=None, searcher=None, index_state=IndexState(False, "not loaded"))
    app = create_app(settings=settings, runtime=runtime)

    @app.post("/test/turn")
    def store_a_turn() -> dict[str, int]:  # what a chat turn does after answering
        return {"turn_id": runtime.conversation_log.record(
            session_id="web-503", channel="web", text="你好", intent=None, outcome="answered",
            confidence=None, top_doc_id=None, top_section=None)}

    with TestClient(app) as client:
        assert client.post("/test/turn").status_code == 200
        with foreign_writer(path):
            response = client.post("/test/turn")
        assert response.status_code == 503
        assert response.json()["message"] == "系统繁忙，请稍后再试"
        assert response.headers["Retry-After"] == "2"
    assert [t.session_id for t in runtime.conversation_log.recent("web-503")] == ["web-503"]
