"""The conversation's table: one row per message and what the assistant did with it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime


class ChatTurn(Base):
    """One message and what the assistant did with it (feeds the list of unanswered questions)."""

    __tablename__ = "chat_turns"
    __table_args__ = (  # the problem list reads declined / fallback turns newest first
        Index("ix_chat_turns_outcome_created_at", "outcome", "created_at"),
        Index("ix_chat_turns_intent_created_at", "intent", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    top_doc_id: Mapped[str | None] = mapped_column(String(128))
    top_section: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda: datetime.now(UTC), index=True)
