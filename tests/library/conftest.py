"""A library over a fresh database (SQLite, and PostgreSQL where it runs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_session_factory
from hotline.library.service import Library
from tests.databases import database


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as (engine, _url):
        yield make_session_factory(engine)


@pytest.fixture
def library(sessions: sessionmaker[Session]) -> Library:
    return Library(sessions)
