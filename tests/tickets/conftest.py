"""A ticket service on a fresh database (SQLite and PostgreSQL) with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_session_factory
from hotline.tickets.deadlines import BEIJING, DeadlinePolicy
from hotline.tickets.ratings import RatingService
from hotline.tickets.service import TicketService
from tests.clock import Clock
from tests.databases import database

START = datetime(2025, 9, 30, 10, 0, tzinfo=BEIJING)  # the day before 国庆 2025


class Recorder:
    """A notifier that keeps what it was told."""

    def __init__(self) -> None:
        self.notices: list = []  # type: ignore[type-arg]

    def record(self, session, notice) -> None:  # type: ignore[no-untyped-def]
        self.notices.append(notice)  # in the step's transaction, like the real notifier


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str]]:
    with database(request.param, tmp_path) as (engine, url):
        yield make_session_factory(engine), url


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def tickets(db, knowledge, clock: Clock, recorder: Recorder) -> TicketService:  # type: ignore[no-untyped-def]
    sessions, _url = db
    return TicketService(sessions, lambda: knowledge.directory, recorder,
                         DeadlinePolicy.from_config(), clock=clock)


@pytest.fixture
def ratings(db, tickets: TicketService) -> RatingService:  # type: ignore[no-untyped-def]
    return RatingService(db[0], tickets)
