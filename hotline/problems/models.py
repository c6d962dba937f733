"""Tables of the problem list (migration 0003)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime


class ProblemResolution(Base):
    """One problem item closed by staff. ``item_key`` is unique: an item is resolved once.

    The item's kind, text and time are copied, so the resolved list still reads well when
    the source changes (an overdue ticket that is later handled is no longer overdue).
    """

    __tablename__ = "problem_resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_key: Mapped[str] = mapped_column(String(64), unique=True)  # turn:12 | ticket:DXE…
    group_id: Mapped[str] = mapped_column(String(64), index=True)  # key of its earliest item
    group_label: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution: Mapped[str] = mapped_column(Text)
    staff: Mapped[str] = mapped_column(String(64))
    resolved_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda: datetime.now(UTC), index=True)


class ProblemVector(Base):
    """A cached sentence embedding of an item's text, per model (re-embedding is slow)."""

    __tablename__ = "problem_vectors"

    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(32), primary_key=True)  # embedder fingerprint
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised
