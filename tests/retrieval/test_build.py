"""Index builds: skipped when up to date, incremental when documents change, stale ones refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from knowledge.corpus import load_knowledge_base
from retrieval.build import build_index, tokenizer_for
from retrieval.errors import IndexMismatchError
from retrieval.store import IndexStore
from tests.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from retrieval.embedder import Embedder


class CountingEmbedder:
    """The real embedder, counting how many passages it was asked to embed."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self._embedder = embedder
        self.passages = 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._embedder, name)

    def encode_passages(self, texts, show_progress=False):  # type: ignore[no-untyped-def]
        self.passages += len(texts)
        return self._embedder.encode_passages(texts, show_progress=show_progress)


def as_embedder(counting: CountingEmbedder) -> Embedder:
    """The wrapper where an Embedder is expected (it forwards everything else to one)."""
    return cast("Embedder", counting)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "data", target)
    return target


def test_rebuild_is_skipped_when_nothing_changed(knowledge, embedder, index_dir) -> None:  # type: ignore[no-untyped-def]
    counting = CountingEmbedder(embedder)
    report = build_index(knowledge, as_embedder(counting), IndexStore(index_dir),
                         show_progress=False)
    assert not report.built and report.reason == "up to date"
    assert counting.passages == 0


def test_changed_document_is_detected_and_only_new_text_is_embedded(
        data_dir: Path, embedder: Embedder, index_dir: Path, tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    shutil.copytree(index_dir, store.root, symlinks=True)
    faq = data_dir / "faq" / "gaoqi.yml"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n  - id: faq-test-new\n"
                   "    question: 测试新增的常见问题是什么？\n    answer: 这是测试答案。\n"
                   "    title: 测试\n    issuer: 测试\n    source: 测试\n", encoding="utf-8")
    knowledge = load_knowledge_base(data_dir)
    with pytest.raises(IndexMismatchError, match="faq-test-new"):
        store.current_manifest().check(  # type: ignore[union-attr]
            model_fingerprint=embedder.fingerprint,
            tokenizer_fingerprint=tokenizer_for(knowledge).fingerprint,
            document_versions=knowledge.versions())
    counting = CountingEmbedder(embedder)
    report = build_index(knowledge, as_embedder(counting), store, show_progress=False)
    assert report.built and "faq-test-new" in report.reason
    assert counting.passages == 2  # the new question and its answer, nothing else
    assert store.load_current().manifest.document_versions == knowledge.versions()


def test_directory_alias_change_makes_the_index_stale(data_dir: Path, embedder, index_dir) -> None:  # type: ignore[no-untyped-def]
    directory = data_dir / "directory.yml"
    directory.write_text(directory.read_text(encoding="utf-8").replace("[江夏, 纸坊]",
                                                                       "[江夏, 纸坊, 测试新地名]"),
                         encoding="utf-8")
    knowledge = load_knowledge_base(data_dir)
    manifest = IndexStore(index_dir).current_manifest()
    assert manifest is not None
    reasons = manifest.mismatches(model_fingerprint=embedder.fingerprint,
                                  tokenizer_fingerprint=tokenizer_for(knowledge).fingerprint,
                                  document_versions=knowledge.versions())
    assert any("tokenizer" in r for r in reasons) and any("directory" in r for r in reasons)
