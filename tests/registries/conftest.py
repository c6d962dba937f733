"""The registries' tests: the generated fixture files, the directory their districts are
normalised against, a store on SQLite and on PostgreSQL, and a client over
``registry_runtime`` (tests/conftest.py: a runtime with its own database, so that imported
registries never reach the shared runtime — which stays empty, as the product ships)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.registries.store import RegistryStore
from knowledge.directory import LiaisonDirectory
from tests.databases import database
from tests.paths import DIRECTORY_PATH, PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "registries"
SOURCE = "测试夹具（生成的测试数据）"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def directory() -> LiaisonDirectory:
    """The shipped directory with its gazetteer (the 14 units)."""
    return LiaisonDirectory.from_yaml(DIRECTORY_PATH)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The session factory of an empty, migrated database of each kind."""
    from hotline.db import make_session_factory

    with database(request.param, tmp_path) as (engine, _url):
        yield make_session_factory(engine)


@pytest.fixture
def store(sessions: Any) -> RegistryStore:
    return RegistryStore(sessions)


@pytest.fixture(scope="session")
def registry_client(registry_runtime: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(runtime=registry_runtime)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def keys(registry_runtime: Any) -> dict[str, dict[str, str]]:
    """Bearer headers of one account per role in this runtime's database."""
    from tests.staff_keys import role_headers

    return role_headers(registry_runtime.sessions, "名单测试")
