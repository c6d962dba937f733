"""Writing and reading the audit log.

:func:`record` adds an entry in the caller's transaction, so a change and its entry commit
together or not at all. Secrets never go in: callers pass what changed (a role, a flag,
"password set"), never a password, key or token.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.models import AuditEntry
from hotline.db import read_sessions

COLUMNS = ("id", "at", "actor", "action", "subject_kind", "subject_id", "before", "after")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry as read back."""

    id: int
    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(session: Session, actor: str, action: str, subject_kind: str, subject_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Add an entry in ``session``'s transaction."""
    session.add(AuditEntry(actor=actor[:64], action=action, subject_kind=subject_kind,
                           subject_id=str(subject_id)[:128], before=_json(before),
                           after=_json(after)))


class AuditLog:
    """Reads the log for admins."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._reads = read_sessions(sessions)

    def entries(self, subject_kind: str | None = None, limit: int = 200,
                offset: int = 0) -> list[AuditRecord]:
        """Newest first, optionally of one kind of subject."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        if subject_kind:
            query = query.where(AuditEntry.subject_kind == subject_kind)
        with self._reads() as session:
            rows = session.scalars(query).all()
        return [AuditRecord(r.id, r.at, r.actor, r.action, r.subject_kind, r.subject_id,
                            json.loads(r.before) if r.before else None,
                            json.loads(r.after) if r.after else None) for r in rows]


def to_csv(records: Iterable[AuditRecord]) -> str:
    """The entries as CSV (UTF-8 with BOM, so Excel opens the Chinese right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in records:
        writer.writerow([csv_cell(cell) for cell in (
            item.id, item.at.isoformat(), item.actor, item.action, item.subject_kind,
            item.subject_id, _json(item.before) or "", _json(item.after) or "")])
    return out.getvalue()
