"""Background re-indexing after a publish, withdrawal, restore or synonym change.

A job row shows its progress (queued → embedding n of m → published | failed). One worker
thread per process runs the jobs this process queued, one build at a time; jobs queued
while a build runs are served by the next build together. A build embeds only texts the
current index lacks (the vectors of unchanged texts are reused, unless the model changed),
and is published to the :class:`~retrieval.store.IndexStore` atomically; every app process
notices the new build on its own (``api.runtime.Runtime`` polls the store).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import read_sessions
from hotline.library.models import IndexJob
from knowledge.corpus import KnowledgeBase
from retrieval.build import build_index
from retrieval.embedder import Embedder
from retrieval.store import IndexStore

log = logging.getLogger(__name__)
STATE_LABELS = {"queued": "排队中", "embedding": "正在生成向量", "published": "已上线",
                "failed": "失败"}
MAX_PASSES = 3  # rebuild while the library changed during a build, at most this often


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the page shows it."""

    id: int
    state: str
    done: int
    total: int
    detail: str
    reason: str
    requested_by: str
    build: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS.get(self.state, self.state)


def _view(row: IndexJob) -> JobView:
    return JobView(row.id, row.state, row.done, row.total, row.detail, row.reason,
                   row.requested_by, row.build, row.created_at, row.updated_at)


class IndexJobs:
    """Queues and runs re-index jobs in a background thread of this process."""

    def __init__(self, sessions: sessionmaker[Session], store: IndexStore,
                 knowledge: Callable[[], KnowledgeBase],
                 embedder: Callable[[], Embedder | None]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.store = store
        self._knowledge = knowledge
        self._embedder = embedder
        self._pending: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- queueing and reading ----------------------------------------------------------------
    def request(self, reason: str, actor: str) -> JobView:
        """Queue a re-index; the worker starts at once (or after the build running now)."""
        with self._sessions.begin() as session:
            row = IndexJob(state="queued", reason=reason[:200], requested_by=actor[:64],
                           done=0, total=0, detail="")
            session.add(row)
            session.flush()
            view = _view(row)
        with self._lock:
            self._pending.append(view.id)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._work, name="library-reindex",
                                                daemon=True)
                self._thread.start()
        self._wake.set()
        return view

    def jobs(self, limit: int = 20) -> list[JobView]:
        """The newest jobs first."""
        with self._reads() as session:
            rows = session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(limit))
            return [_view(row) for row in rows]

    def job(self, job_id: int) -> JobView | None:
        """One job, or None."""
        with self._reads() as session:
            row = session.get(IndexJob, job_id)
            return None if row is None else _view(row)

    def idle(self) -> bool:
        """Whether nothing is queued or running in this process."""
        with self._lock:
            return not self._pending and not self._wake.is_set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker after the build it is running."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- the worker --------------------------------------------------------------------------
    def _update(self, ids: list[int], **values: object) -> None:
        with self._sessions.begin() as session:
            for row in session.scalars(select(IndexJob).where(IndexJob.id.in_(ids))):
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = datetime.now(UTC)

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            with self._lock:
                ids, self._pending = self._pending, []
                self._wake.clear()
            if not ids:
                continue
            try:
                self._run(ids)
            except Exception as exc:  # a failed build must not kill the worker
                log.exception("re-index failed")
                self._update(ids, state="failed", detail=f"索引失败：{exc}"[:500])

    def _run(self, ids: list[int]) -> None:
        embedder = self._embedder()
        if embedder is None:
            self._update(ids, state="failed", detail="向量模型未加载，无法建立索引")
            return
        last_progress = [-1]

        def progress(done: int, total: int) -> None:
            if done != last_progress[0]:
                last_progress[0] = done
                self._update(ids, state="embedding", done=done, total=total)

        detail = ""
        for _attempt in range(MAX_PASSES):
            knowledge = self._knowledge()
            self._update(ids, state="embedding", done=0, total=0)
            report = build_index(knowledge, embedder, self.store, show_progress=False,
                                 progress=progress)
            manifest = report.manifest
            detail = (f"{manifest.units} 个检索单元、{manifest.chunks} 个条款"
                      + ("" if report.built else "（索引已是最新）"))
            if self._knowledge().versions() == manifest.document_versions:
                break
        self._update(ids, state="published", detail=detail,
                     build=self.store.current_build_id())
