"""Throwaway schemas and databases on the local PostgreSQL for the benchmarks that need one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

BENCH_POSTGRES_URL = os.environ.get("DXE_BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_REDIS_URL = os.environ.get("DXE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    """The URL of a new schema on the local PostgreSQL (dropped afterwards), or None when
    the server is not reachable."""
    admin = sa.create_engine(BENCH_POSTGRES_URL, connect_args={"connect_timeout": 3})
    schema = f"dxe_bench_{secrets.token_hex(4)}"
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield f"{BENCH_POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """The URL of a new database on the local PostgreSQL (Rasa's tracker store wants a
    database, not a schema; dropped afterwards), or None when the server is not reachable."""
    admin = sa.create_engine(BENCH_POSTGRES_URL, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    name = f"dxe_bench_rasa_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield sa.engine.make_url(BENCH_POSTGRES_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
