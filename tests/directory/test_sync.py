"""Every app process follows the saved directory without a restart, with its re-index."""

from __future__ import annotations

import time
from typing import Any

from api.runtime import Runtime
from hotline.directory import edits
from hotline.directory.store import Change, DirectoryStore

ALIAS = "星河数智园"


def _wait(condition: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _finished(runtime: Runtime, job_id: int) -> bool:
    job = runtime.index_jobs.job(job_id)
    return job is not None and job.state in ("published", "failed")


def test_a_second_runtime_sees_a_new_version_without_restart(directory_runtime: Runtime,
                                                            directory_settings: Any) -> None:
    store = DirectoryStore(directory_runtime.sessions)
    folder = directory_settings.KNOWLEDGE_DIR
    store.import_seed(folder / "directory.yml", folder / "gazetteer.yml")
    other = Runtime.start(directory_settings)  # another process, on the same database
    try:
        assert other.knowledge.directory.get(ALIAS) is None
        saved = store.latest()
        assert saved is not None
        row = edits.district(saved.data, "江夏区")
        data = edits.update_district(saved.data, "江夏区", edits.DistrictFields(
            row["full_name"], row["leader"], row["leader_title"], row["department"],
            "测试联系人", "", (*row["aliases"], ALIAS)))
        store.save(data, "编辑甲", "加别名", saved.etag,
                   Change("directory.district", "district", "江夏区", row, None))
        # the directory document changed: the old index and directory keep serving
        # until the change's re-index is published
        assert other.searcher is not None and not other.index_is_current()
        job_id = directory_runtime.request_reindex("test")
        assert _wait(lambda: _finished(directory_runtime, job_id), 300)
        assert directory_runtime.index_jobs.job(job_id).state == "published"  # type: ignore[union-attr]
        # nobody told ``other``: its poller swaps to the new build and the new directory
        assert _wait(other.index_is_current, 30)
        turn = other.assistant().liaison(f"{ALIAS}的企业找科技局谁")
        assert "测试联系人" in turn.texts[0] and "江夏区" in turn.texts[0]
        assert other.knowledge.directory.get(ALIAS) is not None
        chunk = other.knowledge.document("directory").chunks[
            [item.district for item in other.knowledge.directory.liaisons].index("江夏区")]
        assert ALIAS in chunk.text and ALIAS in other.knowledge.vocabulary()
    finally:
        other.close()
