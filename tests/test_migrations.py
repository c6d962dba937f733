"""Migrations and models agree, and the chain goes down and up again (SQLite, PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.db import Base, alembic_config, import_models
from tests.databases import database


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_match_the_models_and_reverse_cleanly(kind: str, tmp_path: Path) -> None:
    import_models()
    with database(kind, tmp_path) as (engine, url):  # already at head
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
        config = alembic_config(url)
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() is not None
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
