"""Index persistence: manifests catch mismatches, publishing is atomic, old builds are pruned."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.errors import IndexMismatchError, IndexNotBuiltError
from retrieval.index import HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.store import IndexStore
from retrieval.units import IndexUnit


def _index(tag: str, n: int = 4, dim: int = 8) -> HybridIndex:
    rng = np.random.default_rng(len(tag))
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    units = [IndexUnit(f"{tag}#{i}", f"{tag} 文本 {i}") for i in range(n)]
    manifest = IndexManifest(model="m", model_fingerprint="mf", dimension=dim,
                             tokenizer_fingerprint="tf", document_versions={tag: "v1"},
                             units=n, chunks=n)
    return HybridIndex.create(units, vectors, [[tag, f"词{i}"] for i in range(n)], manifest)


def test_saved_index_loads_back_with_the_same_answers(tmp_path: Path) -> None:
    original = _index("甲")
    store = IndexStore(tmp_path)
    store.publish(original)
    loaded = store.load_current()
    query = np.ones(8, dtype=np.float32) / np.sqrt(8)
    assert loaded.search_dense(query, 4) == original.search_dense(query, 4)
    assert loaded.search_sparse(["词2"], 4)[0].unit == 2
    assert loaded.manifest == original.manifest


def test_missing_index_is_reported_not_guessed(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuiltError):
        IndexStore(tmp_path).load_current()
    assert IndexStore(tmp_path).current_manifest() is None


def test_manifest_detects_each_kind_of_mismatch() -> None:
    manifest = _index("甲").manifest
    ok: dict[str, Any] = dict(model_fingerprint="mf", tokenizer_fingerprint="tf",
                              document_versions={"甲": "v1"})
    manifest.check(**ok)
    changes: list[tuple[dict[str, Any], str]] = [
        ({"model_fingerprint": "other"}, "model"),
        ({"tokenizer_fingerprint": "other"}, "tokenizer"),
        ({"document_versions": {"甲": "v2"}}, "document"),
        ({"document_versions": {"甲": "v1", "乙": "v1"}}, "document")]
    for change, words in changes:
        with pytest.raises(IndexMismatchError, match=words):
            manifest.check(**{**ok, **change})


def test_publish_switches_atomically_while_readers_keep_loading(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.publish(_index("甲"))
    errors: list[Exception] = []
    seen: set[str] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.add(next(iter(store.load_current().manifest.document_versions)))
            except Exception as exc:  # any failure to read is a torn index
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for tag in ("乙", "丙", "丁", "戊"):
        store.publish(_index(tag))
    stop.set()
    thread.join()
    assert errors == []
    assert store.load_current().manifest.document_versions == {"戊": "v1"}
    assert seen <= {"甲", "乙", "丙", "丁", "戊"}


def test_old_builds_are_pruned(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    for tag in ("甲", "乙", "丙"):
        store.publish(_index(tag))
    assert len([p for p in store.builds.iterdir() if not p.name.startswith(".")]) == 2


def test_sparse_search_ignores_unknown_tokens(tmp_path: Path) -> None:
    assert _index("甲").search_sparse(["没见过的词"], 3) == []
