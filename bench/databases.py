"""A throwaway schema on the local PostgreSQL for the benchmarks that need one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

BENCH_POSTGRES_URL = os.environ.get("DXE_BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


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
