"""The library's tables: documents (working copy + what is served), versions, synonyms,
re-index jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime
from hotline.tickets.models import utcnow


class LibraryDocument(Base):
    """A document: its working copy (metadata, ``chunks`` JSON, ``state``) and the number of
    the version that is served (``live_version``; None = not served)."""

    __tablename__ = "library_documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    doc_number: Mapped[str | None] = mapped_column(String(64))
    effective_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    chunks: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    live_version: Mapped[int | None] = mapped_column(Integer)
    seed_version: Mapped[str | None] = mapped_column(String(16))  # content of the last import
    position: Mapped[int] = mapped_column(Integer, index=True)  # seed order, then uploads
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class LibraryVersion(Base):
    """An immutable snapshot, made by every publish (and restore, and seed import)."""

    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("library_documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_version: Mapped[str] = mapped_column(String(16))  # knowledge Document.version
    snapshot: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class LibrarySynonym(Base):
    """A colloquial or abbreviated term and the official term(s) it stands for."""

    __tablename__ = "library_synonyms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    canonical: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class IndexJob(Base):
    """A background re-index: queued → embedding (done of total) → published | failed."""

    __tablename__ = "library_index_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    build: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
