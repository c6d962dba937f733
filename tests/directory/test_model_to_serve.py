"""A restart serves the directory editor's last successful retrain, when it is the newest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from api.supervisor import model_to_serve
from hotline.db import init_schema, make_engine, make_session_factory
from hotline.directory.store import DirectoryStore
from hotline.directory.training import TrainingJobs


def _settings(test_settings: Any, tmp_path: Path) -> Any:
    return test_settings.model_copy(
        update={"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"})


def _retrained(settings: Any, model: Path, status: str = "succeeded") -> None:
    engine = make_engine(settings.DATABASE_URL)
    init_schema(engine)
    sessions = make_session_factory(engine)
    folder = settings.KNOWLEDGE_DIR
    version = DirectoryStore(sessions).import_seed(folder / "directory.yml",
                                                   folder / "gazetteer.yml")
    latest = DirectoryStore(sessions).latest()
    assert latest is not None, version
    jobs = TrainingJobs(sessions)
    job = jobs.create(latest.id, latest.nlu_fingerprint, "管理员", stale_after=3600)
    jobs.update(job.id, status=status, step="done", model_path=str(model))
    engine.dispose()


def test_without_a_retrain_the_setup_model_is_served(test_settings: Any, tmp_path: Path) -> None:
    base = tmp_path / "dianxiaoer.tar.gz"
    base.write_bytes(b"base")
    assert model_to_serve(_settings(test_settings, tmp_path), base) == base


def test_a_newer_successful_retrain_is_served_an_older_one_not(test_settings: Any,
                                                               tmp_path: Path) -> None:
    settings = _settings(test_settings, tmp_path)
    base, retrained = tmp_path / "dianxiaoer.tar.gz", tmp_path / "retrain-1.tar.gz"
    base.write_bytes(b"base")
    retrained.write_bytes(b"new")
    os.utime(base, (1_000_000, 1_000_000))
    _retrained(settings, retrained)
    assert model_to_serve(settings, base) == retrained
    os.utime(retrained, (500_000, 500_000))  # `make setup` trained after the retrain
    assert model_to_serve(settings, base) == base
    retrained.unlink()  # a retrain whose file is gone is never served
    assert model_to_serve(settings, base) == base


def test_a_failed_retrain_is_never_served(test_settings: Any, tmp_path: Path) -> None:
    settings = _settings(test_settings, tmp_path)
    base, failed = tmp_path / "dianxiaoer.tar.gz", tmp_path / "retrain-2.tar.gz"
    base.write_bytes(b"base")
    failed.write_bytes(b"bad")
    os.utime(base, (1_000_000, 1_000_000))
    _retrained(settings, failed, status="failed")
    assert model_to_serve(settings, base) == base
