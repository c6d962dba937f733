"""Index builds on disk, with an atomic switch so a server never reads a half-built index.

Layout under the store's root::

    builds/<build-id>/      one complete index each
    current -> builds/<id>  symlink, replaced atomically (rename) after a build completes
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from retrieval.errors import IndexNotBuiltError
from retrieval.index import MANIFEST_FILE, HybridIndex
from retrieval.manifest import IndexManifest

KEEP_BUILDS = 2


class IndexStore:
    """Where indexes live; ``publish`` makes a new build current in one atomic rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.builds = root / "builds"
        self.current_link = root / "current"

    def current_folder(self) -> Path:
        """The folder of the current build."""
        if not self.current_link.exists():
            raise IndexNotBuiltError(f"no index at {self.root}; run `make setup`")
        return self.current_link.resolve()

    def current_build_id(self) -> str | None:
        """The current build's name (cheap: one readlink), None when nothing was built."""
        try:
            return Path(os.readlink(self.current_link)).name
        except OSError:
            return None

    def current_manifest(self) -> IndexManifest | None:
        """The current build's manifest, or None when nothing was built yet."""
        try:
            return IndexManifest.load(self.current_folder() / MANIFEST_FILE)
        except (IndexNotBuiltError, FileNotFoundError):
            return None

    def load_current(self, attempts: int = 5) -> HybridIndex:
        """Load the current build into memory.

        A build may be pruned while it is being read, when several newer ones were published
        in the meantime; the load then starts again from the new ``current``.
        """
        for attempt in range(attempts):
            folder = self.current_folder()
            try:
                return HybridIndex.load(folder)
            except (OSError, RuntimeError, ValueError):  # files vanished under the reader
                if attempt == attempts - 1 or self.current_folder() == folder:
                    raise
        raise AssertionError("unreachable")

    def publish(self, index: HybridIndex) -> Path:
        """Save a build next to the current one, then switch ``current`` to it atomically."""
        self.builds.mkdir(parents=True, exist_ok=True)
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
        staging = self.builds / f".staging-{build_id}"
        index.save(staging)
        final = self.builds / build_id
        staging.rename(final)
        temporary_link = self.root / f".current-{build_id}"
        temporary_link.symlink_to(Path("builds") / build_id)
        os.replace(temporary_link, self.current_link)  # atomic on POSIX
        self._prune(keep=final)
        return final

    def _prune(self, keep: Path) -> None:
        """Remove old builds and abandoned staging folders, keeping the newest few."""
        builds = sorted((p for p in self.builds.iterdir() if not p.name.startswith(".")),
                        key=lambda p: p.name, reverse=True)
        for old in builds[KEEP_BUILDS:]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)
        for staging in self.builds.glob(".staging-*"):
            shutil.rmtree(staging, ignore_errors=True)
