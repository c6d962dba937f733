"""Registry versions: import a file as a preview, activate it (the previous active version
of that registry becomes ``replaced``), list them, read the active one's rows. Imports and
activations are audited in their transaction."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import record
from hotline.db import Base, read_sessions
from hotline.registries.formats import RegistryKind, registry_format
from hotline.registries.models import (
    Commissioner,
    HighTechEnterprise,
    Incubator,
    RegistryVersion,
)
from hotline.registries.reading import clean_text, read_table
from hotline.registries.rows import Record, RegistryInvalid, Rejected, parse_rows
from hotline.tickets.models import utcnow
from knowledge.directory import LiaisonDirectory

PREVIEW_ROWS = 20
MAX_STORED_REJECTIONS = 1000
ROW_TABLES: dict[RegistryKind, type[Base]] = {
    RegistryKind.HIGHTECH: HighTechEnterprise, RegistryKind.INCUBATOR: Incubator,
    RegistryKind.COMMISSIONER: Commissioner}
ROW_FIELDS: dict[RegistryKind, tuple[str, ...]] = {
    RegistryKind.HIGHTECH: ("row", "name", "certificate_no", "issued_on", "valid_until"),
    RegistryKind.INCUBATOR: ("row", "name", "level", "kind", "district", "address", "operator"),
    RegistryKind.COMMISSIONER: ("row", "name", "field", "unit", "district")}


class UnknownVersion(LookupError):
    """No registry version with that id."""


class NotActivatable(RuntimeError):
    """The version is active already, or another activation won meanwhile."""


@dataclass(frozen=True, slots=True)
class VersionView:
    """One version as listed."""

    id: int
    kind: str
    status: str
    source: str
    published_on: date
    filename: str
    encoding: str
    generated: bool
    row_count: int
    rejected_count: int
    imported_by: str
    imported_at: datetime
    activated_by: str | None
    activated_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings), with the registry's label."""
        shown = asdict(self)
        for key in ("published_on", "imported_at", "activated_at"):
            shown[key] = shown[key].isoformat() if shown[key] else None
        shown["label"] = registry_format(self.kind).label
        return shown


@dataclass(frozen=True, slots=True)
class Preview:
    """A version with its first rows and its rejected rows."""

    version: VersionView
    rows: list[Record]
    rejected: list[Rejected]


def _view(row: RegistryVersion) -> VersionView:
    return VersionView(row.id, row.kind, row.status, row.source, row.published_on, row.filename,
                       row.encoding, row.generated, row.row_count, row.rejected_count,
                       row.imported_by, row.imported_at, row.activated_by, row.activated_at)


def _record(kind: RegistryKind, row: Any) -> Record:
    return {name: getattr(row, name) for name in ROW_FIELDS[kind]}


class RegistryStore:
    """The registry tables, through the app's session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)

    def import_file(self, kind: str, filename: str, data: bytes, source: str,
                    published_on: date, imported_by: str,
                    directory: LiaisonDirectory) -> Preview:
        """Read and check a file, store its rows as a new ``preview`` version.

        Raises UnreadableFile / RegistryInvalid (Chinese messages) when nothing can be
        imported; rows that fail their checks are rejected, with their reason, and the
        rest imported.
        """
        fmt = registry_format(kind)
        source, filename = clean_text(source), clean_text(filename)
        if not source:
            raise RegistryInvalid(["请填写名单的来源（发布单位和名单名称）"])
        table = read_table(filename, data)
        parsed = parse_rows(table, fmt, directory)
        if not parsed.records:
            reasons = "；".join(f"第 {r.row} 行：{r.reason}" for r in parsed.rejected[:5])
            raise RegistryInvalid([f"没有可导入的行{('（' + reasons + '）') if reasons else ''}"])
        rejected = [asdict(r) for r in parsed.rejected[:MAX_STORED_REJECTIONS]]
        with self._sessions.begin() as session:
            version = RegistryVersion(
                kind=fmt.kind.value, status="preview", source=source.strip()[:300],
                published_on=published_on, filename=filename[:200], encoding=table.encoding,
                generated=table.generated, row_count=len(parsed.records),
                rejected_count=len(parsed.rejected),
                rejected=json.dumps(rejected, ensure_ascii=False), imported_by=imported_by[:64])
            session.add(version)
            session.flush()
            session.execute(insert(ROW_TABLES[fmt.kind]),
                            [{**r, "version_id": version.id} for r in parsed.records])
            record(session, imported_by, "registry.import", "registry_version", version.id, None,
                   {"kind": fmt.kind.value, "rows": len(parsed.records),
                    "rejected": len(parsed.rejected), "source": version.source,
                    "published_on": published_on.isoformat(), "filename": version.filename})
            view = _view(version)
        return Preview(view, parsed.records[:PREVIEW_ROWS], parsed.rejected)

    def _read(self, version_id: int, limit: int | None) -> tuple[VersionView, str, list[Record]]:
        """A version, its rejected rows (JSON) and its rows in file order (the first
        ``limit``, or all); UnknownVersion if there is none."""
        with self._reads() as session:
            version = session.get(RegistryVersion, version_id)
            if version is None:
                raise UnknownVersion(version_id)
            kind = RegistryKind(version.kind)
            model: Any = ROW_TABLES[kind]
            query = select(model).where(model.version_id == version_id).order_by(model.row)
            rows = session.scalars(query.limit(limit) if limit else query).all()
            return _view(version), version.rejected, [_record(kind, r) for r in rows]

    def preview(self, version_id: int, limit: int = PREVIEW_ROWS) -> Preview:
        """A version's first rows and rejected rows (UnknownVersion if there is none)."""
        version, rejected, rows = self._read(version_id, limit)
        return Preview(version, rows, [Rejected(**r) for r in json.loads(rejected)])

    def activate(self, version_id: int, activated_by: str) -> VersionView:
        """Make a version the active one of its registry; the previous one is ``replaced``."""
        try:
            with self._sessions.begin() as session:
                version = session.get(RegistryVersion, version_id, with_for_update=True)
                if version is None:
                    raise UnknownVersion(version_id)
                if version.status == "active":
                    raise NotActivatable("已是当前生效的版本")
                previous = session.scalar(select(RegistryVersion.id).where(
                    RegistryVersion.kind == version.kind, RegistryVersion.status == "active"))
                session.execute(update(RegistryVersion)
                                .where(RegistryVersion.kind == version.kind,
                                       RegistryVersion.status == "active")
                                .values(status="replaced"))
                session.flush()
                version.status, version.activated_by = "active", activated_by[:64]
                version.activated_at = utcnow()
                session.flush()
                record(session, activated_by, "registry.activate", "registry_version",
                       version.id, {"active": previous},
                       {"active": version.id, "kind": version.kind})
                return _view(version)
        except IntegrityError as exc:  # another activation of this registry won meanwhile
            raise NotActivatable("另一个版本刚刚生效，请刷新后再试") from exc

    def versions(self, kind: str | None = None, limit: int = 50) -> list[VersionView]:
        """The newest versions first, of one registry or all."""
        query = select(RegistryVersion).order_by(RegistryVersion.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(RegistryVersion.kind == RegistryKind(kind).value)
        with self._reads() as session:
            return [_view(row) for row in session.scalars(query)]

    def active(self, kind: str) -> VersionView | None:
        """The active version of a registry (None: nothing imported and activated yet)."""
        with self._reads() as session:
            row = session.scalars(select(RegistryVersion).where(
                RegistryVersion.kind == RegistryKind(kind).value,
                RegistryVersion.status == "active")).first()
            return _view(row) if row else None

    def rows(self, version_id: int) -> list[Record]:
        """Every row of a version, in file order."""
        return self._read(version_id, None)[2]
