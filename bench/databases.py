"""Throwaway schemas and databases on the local PostgreSQL for the benchmarks that need one."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

BENCH_POSTGRES_URL = os.environ.get("DXE_BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_REDIS_URL = os.environ.get("DXE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def _throwaway(create: str, drop: str, url: str) -> Iterator[str | None]:
    """Run ``create`` on the local PostgreSQL, yield ``url``, run ``drop`` afterwards; None
    when the server is not reachable."""
    admin = sa.create_engine(BENCH_POSTGRES_URL, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(create))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(drop))
        admin.dispose()


def postgres_schema() -> contextlib.AbstractContextManager[str | None]:
    """The URL of a new schema on the local PostgreSQL (dropped afterwards), or None."""
    schema = f"dxe_bench_{secrets.token_hex(4)}"
    return _throwaway(f'CREATE SCHEMA "{schema}"', f'DROP SCHEMA "{schema}" CASCADE',
                      f"{BENCH_POSTGRES_URL}?options=-csearch_path%3D{schema}")


def postgres_database() -> contextlib.AbstractContextManager[str | None]:
    """The URL of a new database on the local PostgreSQL (Rasa's tracker store wants a
    database, not a schema; dropped afterwards), or None."""
    name = f"dxe_bench_rasa_{secrets.token_hex(4)}"
    url = sa.engine.make_url(BENCH_POSTGRES_URL).set(database=name)
    return _throwaway(f'CREATE DATABASE "{name}"',
                      f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                      url.render_as_string(hide_password=False))
