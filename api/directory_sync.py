"""The running app follows the saved directory: the seam Runtime uses at start-up, a poller
that swaps in each new version within seconds (every process), and a minimal background
re-index (``request_reindex``) after a change.

The directory document and the tokenizer vocabulary come from the directory, so a new
version changes what the index was built from: until the re-index is published the old
searcher keeps serving (never none), and every process loads the new index as soon as it
fits its knowledge base.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from hotline.directory.assembly import build_directory, with_directory
from hotline.directory.store import DirectoryStore
from hotline.settings import Settings
from knowledge.corpus import KnowledgeBase
from knowledge.directory import DirectoryError
from knowledge.gazetteer import GazetteerError
from retrieval.build import build_index, tokenizer_for
from retrieval.embedder import Embedder
from retrieval.store import IndexStore

log = logging.getLogger(__name__)


def saved_directory_knowledge(knowledge: KnowledgeBase, sessions: sessionmaker[Session]
                              ) -> tuple[KnowledgeBase, int | None]:
    """``knowledge`` with the latest saved directory version (and that version's id), or
    unchanged with None when the database holds none yet (the YAML files then serve)."""
    saved = DirectoryStore(sessions).latest()
    if saved is None:
        return knowledge, None
    return with_directory(knowledge, build_directory(saved.data)), saved.id


class IndexedRuntime(Protocol):
    """What the sync needs of :class:`api.runtime.Runtime`."""

    settings: Settings
    knowledge: KnowledgeBase
    sessions: sessionmaker[Session]
    embedder: Embedder | None

    def load_index(self) -> object: ...


def index_fits(runtime: IndexedRuntime) -> bool:
    """Whether the published index was built from the runtime's current knowledge base."""
    manifest = IndexStore(runtime.settings.INDEX_DIR).current_manifest()
    if manifest is None or runtime.embedder is None:
        return False
    if dict(manifest.document_versions) != runtime.knowledge.versions():
        return False
    return not manifest.mismatches(
        model_fingerprint=runtime.embedder.fingerprint,
        tokenizer_fingerprint=tokenizer_for(runtime.knowledge).fingerprint,
        document_versions=runtime.knowledge.versions())


class Reindexer:
    """Rebuilds and publishes the index in a background thread, then loads it; requests
    made while it runs are folded into one more run."""

    def __init__(self, runtime: IndexedRuntime) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.runs = 0

    def request_reindex(self, reason: str) -> None:
        """Re-index soon (in the background) because of ``reason``."""
        with self._lock:
            self._pending.append(reason)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="reindex", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running re-index, if any (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def busy(self) -> bool:
        """Whether a re-index is running."""
        return self._thread is not None and self._thread.is_alive()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                reasons, self._pending = self._pending, []
            self._run("; ".join(reasons))

    def _run(self, reason: str) -> None:
        runtime = self._runtime
        if runtime.embedder is None:
            self.last_error = "no embedding model loaded"
            log.error("re-index (%s) skipped: %s", reason, self.last_error)
            return
        try:
            report = build_index(runtime.knowledge, runtime.embedder,
                                 IndexStore(runtime.settings.INDEX_DIR), show_progress=False)
            # a newer version may have arrived meanwhile: never load an index that does not
            # fit (load_index would stop serving); that version's own request re-indexes
            if index_fits(runtime):
                runtime.load_index()
            self.runs += 1
            self.last_error = None
            log.info("re-index (%s): %s in %.1f s", reason,
                     "built" if report.built else "up to date", report.seconds)
        except Exception as exc:  # a failed background build must not kill the thread silently
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("re-index (%s) failed", reason)


class DirectorySync:
    """Polls the latest version id; on a new one, swaps the runtime's directory (and the
    knowledge base's directory document), then reloads the index once it fits."""

    def __init__(self, runtime: IndexedRuntime, version: int | None,
                 interval: float, on_error: Callable[[str], None] | None = None) -> None:
        self._runtime = runtime
        self._store = DirectoryStore(runtime.sessions)
        self.version = version
        self._interval = interval
        self._index_stale = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._on_error = on_error or (lambda message: log.error("%s", message))

    def start(self) -> None:
        """Poll in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._loop, name="directory-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def refresh(self) -> bool:
        """Check once (the poller's tick; also called right after a save). True when a new
        version was swapped in."""
        with self._lock:
            swapped = False
            latest = self._store.latest_id()
            if latest is not None and latest != self.version:
                saved = self._store.get(latest)
                if saved is not None:
                    try:
                        directory = build_directory(saved.data)
                    except (DirectoryError, GazetteerError, KeyError) as exc:
                        self._on_error(f"directory version {latest} not loaded: {exc}")
                        self.version = latest  # never retried in a loop
                        return False
                    self._runtime.knowledge = with_directory(self._runtime.knowledge, directory)
                    self.version = latest
                    self._index_stale = True
                    swapped = True
            if self._index_stale and index_fits(self._runtime):
                self._runtime.load_index()
                self._index_stale = False
            return swapped

    @property
    def index_stale(self) -> bool:
        """Whether the served index predates the directory in use."""
        return self._index_stale

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.refresh()
            except Exception as exc:  # the database may be briefly unavailable
                self._on_error(f"directory sync: {type(exc).__name__}: {exc}")
