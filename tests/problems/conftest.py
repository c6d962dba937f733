"""A problem list over a fresh database (SQLite and PostgreSQL), the real embedding model,
and the ticket and rating services writing the sources, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.log import ConversationLog
from hotline.db import make_session_factory
from hotline.problems.service import ProblemList
from hotline.tickets.deadlines import BEIJING, DeadlinePolicy
from hotline.tickets.notify import NullNotifier
from hotline.tickets.ratings import RatingService
from hotline.tickets.service import TicketService
from tests.clock import Clock
from tests.databases import database

START = datetime(2026, 11, 2, 10, 0, tzinfo=BEIJING)  # a Monday


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as (engine, _url):
        yield make_session_factory(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def tickets(sessions: sessionmaker[Session], knowledge, clock: Clock) -> TicketService:  # type: ignore[no-untyped-def]
    return TicketService(sessions, lambda: knowledge.directory, NullNotifier(),
                         DeadlinePolicy.from_config(), clock=clock)


@pytest.fixture
def ratings(sessions: sessionmaker[Session], tickets: TicketService) -> RatingService:
    return RatingService(sessions, tickets)


@pytest.fixture
def log(sessions: sessionmaker[Session]) -> ConversationLog:
    return ConversationLog(sessions)


@pytest.fixture
def problems(sessions: sessionmaker[Session], runtime, clock: Clock) -> ProblemList:  # type: ignore[no-untyped-def]
    """The problem list with the app's real embedding model and synonyms."""
    return ProblemList(sessions, runtime.embedder, clock,
                       threshold=runtime.settings.PROBLEM_CLUSTER_SIMILARITY,
                       synonyms=runtime.knowledge.synonyms)


def declined(log: ConversationLog, text: str, session_id: str = "s-problems") -> str:
    """Record a declined question; its problem key."""
    turn_id = log.record(session_id=session_id, channel="web", text=text, intent="ask_policy",
                         outcome="declined", confidence=None, top_doc_id=None,
                         top_section=None)
    assert turn_id is not None
    return f"turn:{turn_id}"
