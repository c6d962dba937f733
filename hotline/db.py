"""Database engine and tables (SQLite by default; any SQLAlchemy URL works)."""

from __future__ import annotations

import functools
import importlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import DateTime, create_engine, event, text
from sqlalchemy.engine import CursorResult, Dialect, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite and PostgreSQL.

    SQLite has no time zones: values are stored as naive UTC and made aware when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


READ_ONLY = "dxe_read_only"
"""Execution option of the read path (see :func:`read_engine`)."""

BUSY_TIMEOUT_SECONDS = 5.0
"""How long one SQLite transaction waits for the write lock before "database is locked";
:func:`retry_locked` tries three times, so a write gives up after about 15 s."""


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine; for SQLite the folder is created and WAL mode switched on.

    On SQLite a transaction of this engine takes the write lock at BEGIN (``BEGIN
    IMMEDIATE``), one of :func:`read_engine` never does (deferred ``BEGIN`` with
    ``query_only``): in WAL mode readers neither wait for writers nor block them.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            connection.isolation_level = None  # we issue BEGIN ourselves (below)
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:  # type: ignore[no-untyped-def]
            if connection.get_execution_options().get(READ_ONLY):
                # A reader: a deferred transaction reads one WAL snapshot and never takes
                # the write lock; query_only makes a stray write through it fail loudly
                # instead of quietly upgrading to the lock.
                connection.exec_driver_sql("PRAGMA query_only = ON")
                connection.exec_driver_sql("BEGIN")
                return
            # SQLite ignores SELECT … FOR UPDATE and pysqlite defers BEGIN to the first
            # write, so a read-check-write could interleave across processes. Taking the
            # write lock at BEGIN serialises writing transactions.
            connection.exec_driver_sql("PRAGMA query_only = OFF")  # the pool is shared
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def read_engine(engine: Engine) -> Engine:
    """The read path of ``engine`` (same pool): on SQLite its transactions never take the
    write lock and refuse to write; on PostgreSQL it is ``engine`` unchanged (MVCC readers
    do not block writers there)."""
    return engine.execution_options(**{READ_ONLY: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine (the write path; see :func:`read_sessions`)."""
    return sessionmaker(engine, expire_on_commit=False)


def read_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A factory of read-only sessions over the engine of ``sessions`` (same options).

    Use it for every session that only SELECTs (lists, lookups, polls): it neither waits
    for nor blocks a writer. A write through it raises on SQLite.
    """
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("read_sessions needs a session factory bound to an Engine")
    options = {key: value for key, value in sessions.kw.items() if key != "bind"}
    return sessionmaker(read_engine(bind), **options)


# -- writes that meet a busy database --------------------------------------------------------
class DatabaseBusy(RuntimeError):
    """A write met a lock (SQLite's write lock, a PostgreSQL deadlock or serialization
    failure) on every attempt; nothing of it was stored. The web layer answers 503 with :attr:`message`."""

    message = "系统繁忙，请稍后再试"


RETRY_DELAYS: tuple[float, ...] = (0.1, 0.4)
"""Pauses between the attempts of a write (so three attempts in all)."""

_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock


def is_lock_conflict(exc: OperationalError) -> bool:
    """Whether ``exc`` means "another transaction holds the lock" (safe to retry: the
    transaction was rolled back, nothing of it is stored)."""
    original = exc.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _RETRYABLE_SQLSTATES:
        return True
    text_ = str(original).lower()
    return "database is locked" in text_ or "database table is locked" in text_ or \
        "database is busy" in text_


def retry_locked(func: Callable[P, T]) -> Callable[P, T]:
    """Run ``func`` (one or more whole write transactions) again when it meets a lock
    conflict, after :data:`RETRY_DELAYS`; raise :class:`DatabaseBusy` when the last attempt
    fails too. Any other error propagates unchanged (a bug must not pass for "busy"). Never
    wrap a function that runs inside a caller's transaction, nor one that commits part of
    its work before it can fail (a retry would repeat that part)."""

    @functools.wraps(func)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_lock_conflict(exc):
                    raise
                if attempt == len(RETRY_DELAYS):
                    log.error("%s still locked after %d attempts: %s", func.__qualname__,
                              attempt + 1, exc.orig)
                    raise DatabaseBusy(f"{func.__qualname__}: {exc.orig}") from exc
                log.warning("%s met a lock (attempt %d), retrying: %s", func.__qualname__,
                            attempt + 1, exc.orig)
                time.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")

    return retrying


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (``Session.execute`` returns a
    ``CursorResult`` for those, but is typed as returning the general ``Result``)."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


MODEL_MODULES = ("hotline.conversations.models", "hotline.tickets.models",
                 "hotline.notifications.models", "hotline.problems.models",
                 "hotline.security.models", "hotline.audit.models", "hotline.library.models",
                 "hotline.directory.models", "hotline.appointments.models",
                 "hotline.registries.models", "hotline.subscriptions.models",
                 "hotline.reports.rollups",  # the daily counts' tables and their listeners
                 "api.channels.wechat.models")  # the WeChat channel's own tables
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def import_models() -> None:
    """Import every module that declares tables, so ``Base.metadata`` is complete."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def alembic_config(url: str) -> AlembicConfig:
    """Alembic's configuration for this app's migrations (no alembic.ini needed)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def init_schema(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent; safe at every start)."""
    import_models()
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


STARTUP_LOCK_KEY = 0x64786530  # "dxe0": one app process at a time migrates and seeds


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise the start-up of replicas sharing a PostgreSQL database (migrations, seed
    import): a session-level advisory lock, held for the block. SQLite needs none: its
    writers are serialised by the file lock, and one machine runs one app by default."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": STARTUP_LOCK_KEY})
            connection.commit()


def ping(engine: Engine) -> None:
    """Raise if the database cannot be reached (on the read path: never waits for a writer)."""
    with read_engine(engine).connect() as connection:
        connection.execute(text("SELECT 1"))
