"""The in-app inbox: messages kept for enterprises (by session) and staff (by name)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import read_sessions, retry_locked
from hotline.notifications.models import Notification
from hotline.notifications.policy import Message, RecipientKind


class NotificationPublic(BaseModel):
    """One notification as its recipient sees it; also what the inbox endpoints return."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    ticket_id: str | None
    appointment_id: int | None = None
    event: str
    text: str
    created_at: datetime
    read_at: datetime | None


def _item(row: Notification) -> NotificationPublic:
    return NotificationPublic.model_validate(row)


class Inbox:
    """Writes and reads inbox rows."""

    def __init__(self, sessions: sessionmaker[Session],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.clock = clock

    def add(self, session: Session, ticket_id: str | None, message: Message,
            appointment_id: int | None = None) -> Notification:
        """Store ``message`` about a ticket or an appointment in the caller's transaction
        (flushed, so it has an id)."""
        row = Notification(recipient_kind=message.recipient_kind,
                           recipient_id=message.recipient_id, ticket_id=ticket_id,
                           appointment_id=appointment_id,
                           event=message.event, text=message.text, created_at=self.clock())
        session.add(row)
        session.flush()
        return row

    def list(self, kind: RecipientKind, recipient_id: str, *, unread_only: bool = False,
             limit: int = 50) -> tuple[list[NotificationPublic], int]:
        """The recipient's messages, newest first, and how many are unread in all."""
        mine = (Notification.recipient_kind == kind) & (Notification.recipient_id == recipient_id)
        query = select(Notification).where(mine)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        with self._reads() as session:
            rows = session.scalars(query).all()
            unread = session.scalar(select(func.count()).select_from(Notification).where(
                mine, Notification.read_at.is_(None)))
        return [_item(row) for row in rows], int(unread or 0)

    @retry_locked
    def mark_read(self, notification_id: int, kind: RecipientKind,
                  recipient_id: str) -> NotificationPublic | None:
        """Mark one of the recipient's own messages read (the first reading time is kept);
        None when there is no such message in their inbox."""
        with self._sessions.begin() as session:
            row = session.get(Notification, notification_id)
            if row is None or (row.recipient_kind, row.recipient_id) != (kind, recipient_id):
                return None
            if row.read_at is None:
                row.read_at = self.clock()
            return _item(row)
