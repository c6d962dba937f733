"""Every app process follows the saved directory without a restart, and the index follows."""

from __future__ import annotations

import time
from typing import Any

from api.directory_sync import index_fits
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
        new = store.save(data, "编辑甲", "加别名", saved.etag,
                         Change("directory.district", "district", "江夏区", row, None))
        # nobody told ``other``: its poller picks the version up
        assert _wait(lambda: other.directory_sync is not None
                     and other.directory_sync.version == new.id, 10)
        turn = other.assistant().liaison(f"{ALIAS}的企业找科技局谁")
        assert "测试联系人" in turn.texts[0] and "江夏区" in turn.texts[0]
        # the directory document changed: the old index keeps serving until a re-index
        assert other.searcher is not None and not index_fits(other)
        directory_runtime.directory_sync.refresh()  # type: ignore[union-attr]
        directory_runtime.request_reindex("test")
        directory_runtime.reindexer.wait(300)
        assert directory_runtime.reindexer.last_error is None
        assert index_fits(directory_runtime)
        # the other process loads the published index by itself
        assert _wait(lambda: not other.directory_sync.index_stale, 30)  # type: ignore[union-attr]
        assert other.searcher is not None and index_fits(other)
        chunk = other.knowledge.document("directory").chunks[
            [item.district for item in other.knowledge.directory.liaisons].index("江夏区")]
        assert ALIAS in chunk.text and ALIAS in other.knowledge.vocabulary()
    finally:
        other.close()
