"""Tables: every saved version of the directory + gazetteer, and the Rasa retrain jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime
from hotline.tickets.models import utcnow


class DirectoryVersion(Base):
    """One saved state of the directory and the gazetteer (append-only).

    ``data`` is JSON: ``{"directory": <directory.yml>, "gazetteer": <gazetteer.yml>}``;
    ``seed_hash`` is set when the row was imported from the files (make setup);
    ``nlu_fingerprint`` hashes what Rasa's generated data depends on.
    """

    __tablename__ = "directory_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200))
    data: Mapped[str] = mapped_column(Text)
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    nlu_fingerprint: Mapped[str] = mapped_column(String(64))


class RasaTrainingJob(Base):
    """A background retrain of the Rasa model for one directory version."""

    __tablename__ = "rasa_training_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(Integer)
    nlu_fingerprint: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued/running/succeeded/failed
    step: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    model_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str | None] = mapped_column(Text)
