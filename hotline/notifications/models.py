"""Tables of notifications: the in-app inbox and the outbox of external deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(UTC)


class Notification(Base):
    """One message in someone's inbox.

    ``recipient_kind`` is ``enterprise`` (``recipient_id`` = the ticket's session id) or
    ``staff`` (``recipient_id`` = the owner's name, as on the ticket and the staff account).
    It is about a ticket (``ticket_id``) or an appointment (``appointment_id``, e.g. its
    reminder; no foreign key, so notifications know nothing of appointments).
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_kind", "recipient_id",
                            "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(16))  # the ticket action (or remind) it reports
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    """One external delivery of a notification (outbox row): webhook, e-mail or channel.

    Claimed by a worker by moving ``next_attempt_at`` forward (a lease), so several workers
    never send the same row at once; retried with backoff until ``sent`` or ``failed``.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    transport: Mapped[str] = mapped_column(String(16))  # webhook | email | channel
    target: Mapped[str] = mapped_column(String(256))  # URL, address or channel name
    payload: Mapped[str] = mapped_column(Text)  # JSON, what the transport needs
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
