"""Tables: subscriptions, documents' topics, announcement claims and the weekly counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime
from hotline.tickets.models import utcnow


class Subscription(Base):
    """One verified identity's subscription to one topic."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("identity", "topic", name="uq_subscriptions_identity_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity: Mapped[str] = mapped_column(String(128), index=True)  # wx: / eh: / web: id
    topic: Mapped[str] = mapped_column(String(32), index=True)  # hotline.subscriptions.topics key
    channel: Mapped[str] = mapped_column(String(16))  # where its notices go
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DocumentTopic(Base):
    """A library document (or FAQ) tagged with a topic by an admin."""

    __tablename__ = "document_topics"

    document_id: Mapped[str] = mapped_column(ForeignKey("library_documents.id"),
                                             primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)


class Announcement(Base):
    """The claim of one publish for one subscriber: inserted before its notice, in the same
    transaction; the UNIQUE key makes a second announcer (another process) skip it.
    ``outcome`` is ``sent`` or ``capped`` (the weekly cap was reached: no notice)."""

    __tablename__ = "subscription_announcements"
    __table_args__ = (UniqueConstraint("publish_key", "identity",
                                       name="uq_subscription_announcements_publish_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    publish_key: Mapped[str] = mapped_column(String(96))  # <document id>@v<version number>
    identity: Mapped[str] = mapped_column(String(128), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WeeklyCount(Base):
    """Notices an identity got in one ISO week (Beijing time); it only grows by
    ``UPDATE … SET sent = sent + 1 WHERE sent < :cap``, so the cap holds under concurrency."""

    __tablename__ = "subscription_weekly_counts"

    identity: Mapped[str] = mapped_column(String(128), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # "2026-W49"
    sent: Mapped[int] = mapped_column(Integer, default=0)
