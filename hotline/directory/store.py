"""Saved versions of the directory + gazetteer: read the latest, save a new one (validated,
audited in the same transaction), list the history, import the seed files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import record
from hotline.db import read_sessions
from hotline.directory.assembly import DirectoryData, build_directory, data_hash, nlu_fingerprint
from hotline.directory.models import DirectoryVersion
from hotline.directory.validation import validate
from knowledge.directory import LiaisonDirectory

SEED_AUTHOR = "seed"


class VersionConflict(RuntimeError):
    """Someone saved another version since the editor loaded theirs."""


@dataclass(frozen=True, slots=True)
class SavedVersion:
    """One version as read back."""

    id: int
    created_at: datetime
    author: str
    note: str
    data: DirectoryData
    nlu_fingerprint: str
    seeded: bool
    etag: str  # what an editor's change names as its base (not guessable, unlike the id)


@dataclass(frozen=True, slots=True)
class Change:
    """What an editor changed, for the audit log."""

    action: str  # directory.district / directory.place_add / …
    subject_kind: str  # "district" | "place"
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def seed_data(directory_file: Path, gazetteer_file: Path) -> DirectoryData:
    """The seed files' data, as a version stores it."""
    directory = yaml.safe_load(directory_file.read_text(encoding="utf-8"))
    gazetteer = yaml.safe_load(gazetteer_file.read_text(encoding="utf-8")) \
        if gazetteer_file.exists() else {}
    # through JSON once, so that the stored and the seed form compare equal
    loaded: DirectoryData = json.loads(json.dumps(
        {"directory": directory, "gazetteer": gazetteer}, ensure_ascii=False, default=str))
    return loaded


def version_etag(version_id: int, data_text: str) -> str:
    """A version's tag: a hash of its id and stored data."""
    return hashlib.sha256(f"{version_id}:{data_text}".encode()).hexdigest()


def _saved(row: DirectoryVersion) -> SavedVersion:
    return SavedVersion(row.id, row.created_at, row.author, row.note, json.loads(row.data),
                        row.nlu_fingerprint, row.seed_hash is not None,
                        version_etag(row.id, row.data))


class DirectoryStore:
    """The versions table, through the app's session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)

    def latest_id(self) -> int | None:
        """The newest version's id (a cheap query, polled by every app process)."""
        with self._reads() as session:
            return session.scalar(select(func.max(DirectoryVersion.id)))

    def latest(self) -> SavedVersion | None:
        """The newest version, or None when nothing was imported or saved yet."""
        with self._reads() as session:
            row = session.scalars(select(DirectoryVersion)
                                  .order_by(DirectoryVersion.id.desc()).limit(1)).first()
            return _saved(row) if row else None

    def get(self, version_id: int) -> SavedVersion | None:
        """One version by id."""
        with self._reads() as session:
            row = session.get(DirectoryVersion, version_id)
            return _saved(row) if row else None

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest versions' id, time, author and note (no data)."""
        query = (select(DirectoryVersion.id, DirectoryVersion.created_at, DirectoryVersion.author,
                        DirectoryVersion.note, DirectoryVersion.seed_hash)
                 .order_by(DirectoryVersion.id.desc()).limit(limit))
        with self._reads() as session:
            return [{"id": r.id, "created_at": r.created_at.isoformat(), "author": r.author,
                     "note": r.note, "seeded": r.seed_hash is not None}
                    for r in session.execute(query)]

    def save(self, data: DirectoryData, author: str, note: str, base: str | None,
             change: Change) -> SavedVersion:
        """Validate ``data`` and store it as the newest version, with the audit entry.

        ``base`` is the etag of the version the change was made on. Raises DirectoryInvalid
        (Chinese messages) or :class:`VersionConflict` when it is no longer the latest.
        """
        validate(data)
        fingerprint = nlu_fingerprint(build_directory(data))
        with self._sessions.begin() as session:
            latest = session.scalars(select(DirectoryVersion)
                                     .order_by(DirectoryVersion.id.desc()).limit(1)).first()
            current = version_etag(latest.id, latest.data) if latest is not None else None
            if current != base:
                raise VersionConflict("the directory changed since the edit began")
            row = self._add(session, data, author, note, None, fingerprint)
            record(session, author, change.action, change.subject_kind, change.subject_id,
                   change.before, {**(change.after or {}), "version": row.id}
                   if change.after is not None else {"version": row.id})
            session.flush()
            return _saved(row)

    def import_seed(self, directory_file: Path, gazetteer_file: Path,
                    force: bool = False) -> tuple[str, int | None]:
        """Import the files as a version when there is none yet (or ``force``).

        Idempotent: the same seed twice adds nothing. Returns (what happened, version id).
        """
        data = seed_data(directory_file, gazetteer_file)
        validate(data)
        seed = data_hash(data)
        fingerprint = nlu_fingerprint(build_directory(data))
        with self._sessions.begin() as session:
            latest = session.scalars(select(DirectoryVersion)
                                     .order_by(DirectoryVersion.id.desc()).limit(1)).first()
            if latest is not None and data_hash(json.loads(latest.data)) == seed:
                return "up to date", latest.id
            if latest is not None and not force:
                return "kept (the database has edits; --force imports the files)", latest.id
            row = self._add(session, data, SEED_AUTHOR, f"导入 {directory_file.name} 与 "
                            f"{gazetteer_file.name}", seed, fingerprint)
            record(session, SEED_AUTHOR, "directory.import", "directory", row.id,
                   None, {"version": row.id, "seed_hash": seed})
            session.flush()
            return "imported", row.id

    @staticmethod
    def _add(session: Session, data: DirectoryData, author: str, note: str,
             seed_hash: str | None, fingerprint: str) -> DirectoryVersion:
        row = DirectoryVersion(author=author[:64], note=note[:200],
                               data=json.dumps(data, ensure_ascii=False),
                               seed_hash=seed_hash, nlu_fingerprint=fingerprint)
        session.add(row)
        session.flush()
        return row


def saved_directory(sessions: sessionmaker[Session]) -> tuple[LiaisonDirectory, int] | None:
    """The directory of the latest saved version and its id, or None when none was saved."""
    saved = DirectoryStore(sessions).latest()
    return None if saved is None else (build_directory(saved.data), saved.id)
