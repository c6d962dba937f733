"""Publishing re-indexes in the background; every process swaps to the new build without a
restart, answering from the old index meanwhile. A changed model means a full rebuild."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hotline.library.content import Metadata
from hotline.library.lifecycle import Move
from hotline.library.splitting import split_text
from knowledge.corpus import assemble_knowledge_base, load_file_tables, load_knowledge_base
from knowledge.models import DocKind
from retrieval.build import build_index, units_for
from retrieval.index import MANIFEST_FILE
from retrieval.store import IndexStore

POLICY = """武汉市量子科技企业算力补贴实施细则
第一条 为支持量子科技企业发展，制定本细则。
第二条 2026年量子科技企业算力补贴。对在汉注册的量子科技企业，按算力租用费用的30%给予补贴，每家企业每年最高200万元。
"""
QUESTION = "量子科技企业算力补贴每年最高多少钱？"
DOC_ID = "policy-quantum-reindex"


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def top_chunk(runtime) -> str:  # type: ignore[no-untyped-def]
    searcher = runtime.assistant().searcher
    assert searcher is not None, "the index must stay served during a re-index"
    top = searcher.search(QUESTION, k=1).top
    assert top is not None
    return str(top.chunk_id)


def test_publishing_reindexes_in_the_background_and_a_second_process_swaps_to_it(  # type: ignore[no-untyped-def]
        test_settings, index_dir: Path, tmp_path: Path) -> None:
    from api.runtime import Runtime

    root = tmp_path / "index"
    shutil.copytree(index_dir, root, symlinks=True)
    settings = test_settings.model_copy(update={
        "INDEX_DIR": root, "DATABASE_URL": f"sqlite:///{tmp_path / 'library.sqlite3'}",
        "LIBRARY_POLL_SECONDS": 0.2})
    first = Runtime.start(settings)  # the process where the admin publishes
    second = Runtime.start(settings)  # another app process over the same database and store
    try:
        assert first.index_state.serving and second.index_state.serving
        assert not top_chunk(second).startswith(DOC_ID)
        chunks = split_text(DOC_ID, POLICY)
        first.library.create(Metadata(DocKind.POLICY, "量子算力补贴细则", "武汉市科学技术局",
                                      "测试", "武科规〔2026〕9号"), chunks, "编辑", DOC_ID)
        first.library.transition(DOC_ID, Move.SUBMIT, "编辑")
        build_before = second.index_store.current_build_id()

        answers: list[str] = []
        stop = threading.Event()

        def keep_asking() -> None:  # a chat user asking all along
            while not stop.is_set():
                answers.append(top_chunk(second))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            change = first.library.transition(DOC_ID, Move.PUBLISH, "管理员")
            assert change.served_changed
            job_id = first.request_reindex("publish", "管理员")
            wait_for(lambda: second.knowledge.versions().get(DOC_ID) is not None, 120,
                     "the second process to swap to the new build")
        finally:
            stop.set()
            asker.join()
        job = first.index_jobs.job(job_id)
        assert job is not None and job.state == "published", job
        assert job.build == second.index_store.current_build_id() != build_before
        # only the new document's texts were embedded; every other vector was reused
        new_texts = {u.text for u in units_for(chunks)}
        assert 0 < job.total <= len(new_texts)
        # answered from the old index throughout the build, then from the new one
        assert answers and not answers[0].startswith(DOC_ID)
        assert top_chunk(second).startswith(DOC_ID)
        wait_for(lambda: top_chunk(first).startswith(DOC_ID), 10, "the first process too")

        first.library.transition(DOC_ID, Move.WITHDRAW, "管理员")
        first.request_reindex("withdraw", "管理员")
        wait_for(lambda: DOC_ID not in second.knowledge.versions(), 120, "the withdrawal")
        assert not top_chunk(second).startswith(DOC_ID)
        assert second.knowledge.versions() == load_knowledge_base().versions()
    finally:
        first.close()
        second.close()


def test_a_changed_embedding_model_rebuilds_every_vector(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tables = load_file_tables()
    documents = [load_knowledge_base().documents[1]]
    knowledge = assemble_knowledge_base(documents, tables)
    store = IndexStore(tmp_path / "index")
    build_index(knowledge, embedder, store, show_progress=False)
    texts = {u.text for u in units_for(knowledge.chunks())}

    seen: list[tuple[int, int]] = []
    extra = assemble_knowledge_base([*documents, load_knowledge_base().documents[2]], tables)
    build_index(extra, embedder, store, show_progress=False,
                progress=lambda done, total: seen.append((done, total)))
    added = {u.text for u in units_for(extra.chunks())} - texts
    assert seen[-1] == (len(added), len(added))  # reuse: only the new texts

    manifest_path = store.current_folder() / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["model_fingerprint"] = "another-model"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    seen.clear()
    report = build_index(extra, embedder, store, show_progress=False,
                         progress=lambda done, total: seen.append((done, total)))
    assert report.built and "embedding model changed" in report.reason
    every = {u.text for u in units_for(extra.chunks())}
    assert seen[-1] == (len(every), len(every))


def test_an_index_that_does_not_fit_at_start_is_rebuilt_in_the_background(  # type: ignore[no-untyped-def]
        test_settings, index_dir: Path, tmp_path: Path) -> None:
    from api.runtime import Runtime

    root = tmp_path / "index"
    shutil.copytree(index_dir, root, symlinks=True)
    manifest_path = IndexStore(root).current_folder() / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    stale = next(iter(manifest["document_versions"]))
    manifest["document_versions"][stale] = "stale"  # as if built from another library
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    settings = test_settings.model_copy(update={
        "INDEX_DIR": root, "DATABASE_URL": f"sqlite:///{tmp_path / 'library.sqlite3'}",
        "LIBRARY_POLL_SECONDS": 0.2})
    runtime = Runtime.start(settings)
    try:
        assert not runtime.index_state.serving  # a stale index is never served
        jobs = runtime.index_jobs.jobs()
        assert len(jobs) == 1 and "不一致" in jobs[0].reason
        wait_for(lambda: runtime.index_state.serving, 120, "the rebuilt index to be served")
        assert runtime.index_jobs.jobs()[0].state == "published"
        assert runtime.assistant().searcher is not None
    finally:
        runtime.close()
