"""A ticket service wired to the real notification machinery on a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_engine, make_session_factory
from hotline.notifications.outbox import Backoff
from hotline.notifications.setup import Notifications, build_notifications
from hotline.settings import Settings
from hotline.tickets.deadlines import BEIJING, DeadlinePolicy
from hotline.tickets.service import NewTicket, TicketService
from tests.clock import Clock
from tests.databases import database
from tests.sessions import TEST_SESSION_SECRET

START = datetime(2025, 11, 3, 10, 0, tzinfo=BEIJING)  # a Monday
QUIET: dict[str, Any] = {"RASA_URL": "", "NOTIFY_WEBHOOK_URL": "", "SMTP_HOST": "",
                         "NOTIFY_EMAILS": {},  # whatever the developer's environment says
                         "SESSION_SECRET": TEST_SESSION_SECRET}
FAST = Backoff(base_seconds=30, cap_seconds=300, max_attempts=3)


@dataclass
class Stack:
    """What a test drives: tickets, notifications, the clock, the database."""

    tickets: TicketService
    notifications: Notifications
    clock: Clock
    sessions: sessionmaker[Session]
    url: str


def question(district: str | None = "光谷", channel: str = "web",
             session_id: str = "web-abc123") -> NewTicket:
    return NewTicket(session_id=session_id, channel=channel,
                     question="高新技术企业认定的研发费用占比怎么算？",
                     company="武汉星河科技有限公司", phone="13912345678", district=district)


def wire(url: str, knowledge: Any, clock: Clock, **settings: Any) -> Stack:
    """A ticket service over ``url`` (already migrated) publishing to real notifications."""
    config = Settings(**{**QUIET, "DATABASE_URL": url, **settings})
    sessions = make_session_factory(make_engine(url))
    notifications = build_notifications(config, sessions, backoff=FAST, clock=clock)
    tickets = TicketService(sessions, lambda: knowledge.directory, notifications.notifier,
                            DeadlinePolicy.from_config(), clock=clock)
    return Stack(tickets, notifications, clock, sessions, url)


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"),
                        pytest.param("postgresql", id="postgresql",
                                     marks=pytest.mark.integration)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind (for tests run against both); its URL."""
    with database(request.param, tmp_path) as (_engine, database_url):
        yield database_url


@pytest.fixture
def make_stack(tmp_path: Path, knowledge: Any) -> Iterator[Callable[..., Stack]]:
    """``make_stack(**settings)``: a fresh SQLite database and a stack over it."""
    opened: list[Stack] = []

    with database("sqlite", tmp_path) as (_engine, url):
        def build(**settings: Any) -> Stack:
            stack = wire(url, knowledge, Clock(START), **settings)
            opened.append(stack)
            return stack

        yield build
        for stack in opened:
            stack.notifications.stop()
            stack.sessions.kw["bind"].dispose()


@pytest.fixture
def light_runtime(tmp_path: Path, knowledge: Any) -> Iterator[Any]:
    """The app's real Runtime (tickets, ratings, notifications wired as in production) on a
    fresh SQLite file, without the embedding model and index (no chat answers needed)."""
    from api.runtime import IndexState, Runtime
    from hotline.conversations.log import ConversationLog
    from hotline.db import init_schema

    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    settings = Settings(**QUIET, DATABASE_URL=url, RASA_TOKEN="test-token",
                        ESCALATION_INTERVAL_SECONDS=3600)
    engine = make_engine(url)
    init_schema(engine)
    sessions = make_session_factory(engine)
    runtime = Runtime(settings, knowledge, engine, sessions, ConversationLog(sessions),
                      embedder=None, searcher=None, index_state=IndexState(False, "not loaded"))
    yield runtime
    runtime.close()
