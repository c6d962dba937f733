"""Tables: one row per imported file (a version of one registry), and the three registries'
rows, each belonging to its version (a new import never changes an older one)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime
from hotline.tickets.models import utcnow

STATUSES = ("preview", "active", "replaced")


class RegistryVersion(Base):
    """One imported file of a registry: ``preview`` until activated, then ``active`` (one
    per kind, enforced by a partial unique index), ``replaced`` once another is activated.

    ``rejected`` is JSON: ``[{"row": 7, "reason": "证书编号为空"}, …]``.
    """

    __tablename__ = "registry_versions"
    __table_args__ = (Index("ux_registry_versions_active", "kind", unique=True,
                            sqlite_where=text("status = 'active'"),
                            postgresql_where=text("status = 'active'")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(200))
    encoding: Mapped[str] = mapped_column(String(16))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)  # fixture data, not real
    row_count: Mapped[int] = mapped_column(Integer)
    rejected_count: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[str] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    activated_by: Mapped[str | None] = mapped_column(String(64))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RegistryRow:
    """What every registry row has: its version, its row number in the file, a name."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("registry_versions.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))


class HighTechEnterprise(RegistryRow, Base):
    """A 高新技术企业 of one version."""

    __tablename__ = "registry_hightech"

    certificate_no: Mapped[str] = mapped_column(String(14), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)


class Incubator(RegistryRow, Base):
    """A 孵化器 or 众创空间 of one version (``district``: a directory unit)."""

    __tablename__ = "registry_incubators"

    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    district: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str] = mapped_column(String(200))


class Commissioner(RegistryRow, Base):
    """A municipal 科技特派员 of one version (``district`` "" when the list gives none)."""

    __tablename__ = "registry_commissioners"

    field: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(64))
