"""Real databases for tests: a temp SQLite file, or a throwaway schema on the local PostgreSQL;
the local Redis.

PostgreSQL runs on the developers' and CI machines (127.0.0.1:5432, trust auth); set
DXE_TEST_POSTGRES_URL to use another server. Without a reachable server the PostgreSQL
variants skip, and fail under CI=true (:func:`tests.requirements.skip_unless_ci`).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hotline.db import init_schema, make_engine
from tests.requirements import skip_unless_ci

POSTGRES_URL = os.environ.get("DXE_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DXE_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_available(url: str = REDIS_URL) -> bool:
    """True when a Redis server answers PING at ``url``."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                      timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_url() -> str:
    """The local Redis (database 0); skips without one, fails under CI=true."""
    if not redis_available():
        skip_unless_ci(f"Redis is not reachable at {REDIS_URL}: start the local server")
    return REDIS_URL


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@contextmanager
def database(kind: str, folder: Path) -> Iterator[tuple[Engine, str]]:
    """A migrated, empty database of ``kind`` and its URL; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'tickets.sqlite3'}"
        engine = make_engine(url)
        init_schema(engine)
        yield engine, url
        engine.dispose()
        return
    if not postgres_available():
        skip_unless_ci(f"PostgreSQL is not reachable at {POSTGRES_URL}: start the local "
                       "server or point DXE_TEST_POSTGRES_URL at one")
    schema = f"dxe_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        init_schema(engine)
        yield engine, url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
