"""A runtime of the directory tests' own: its own database and a copy of the session's
index, so that saving versions and re-indexing never touch the shared runtime."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def directory_settings(test_settings, index_dir: Path,  # type: ignore[no-untyped-def]
                       tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("directory")
    shutil.copytree(index_dir, root / "index", symlinks=True)
    return test_settings.model_copy(update={
        "DATABASE_URL": f"sqlite:///{root / 'directory.sqlite3'}", "INDEX_DIR": root / "index",
        "RASA_TRAINING_DIR": root / "rasa-models", "LIBRARY_POLL_SECONDS": 0.5})


@pytest.fixture(scope="session")
def directory_runtime(directory_settings: Any) -> Iterator[Any]:
    from api.runtime import Runtime

    started = Runtime.start(directory_settings)
    yield started
    started.close()  # waits for a re-index it is running


@pytest.fixture(scope="session")
def directory_client(directory_runtime: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(runtime=directory_runtime)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def keys(directory_runtime: Any) -> dict[str, dict[str, str]]:
    """Bearer headers of one account per role in this runtime's database."""
    from tests.staff_keys import role_headers

    return role_headers(directory_runtime.sessions, "名录测试")
