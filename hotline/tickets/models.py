"""Tables of the ticket domain (SQLAlchemy 2; migrations in hotline/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.conversations.models import ChatTurn
from hotline.db import Base, UTCDateTime


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(UTC)


class Ticket(Base):
    """A question handed to a person. Exactly one current owner at any time."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="consult")  # deadlines by kind
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text, default="")  # the conversation before handoff
    company: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    district: Mapped[str | None] = mapped_column(String(32), index=True)
    leader: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(32))
    first_owner: Mapped[str] = mapped_column(String(64))  # 首问负责人, never changes
    owner: Mapped[str] = mapped_column(String(64), index=True)  # current owner
    owner_role: Mapped[str] = mapped_column(String(16))  # hotline | liaison | leader | staff
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", lazy="selectin")


class TicketEvent(Base):
    """One step in a ticket's history. Append-only: never updated, never deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # create | assign | transfer | contact …
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    from_owner: Mapped[str | None] = mapped_column(String(64))
    to_owner: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Rating(Base):
    """A 好差评 rating. ``subject`` makes it one per interaction and one per matter."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("subject", name="uq_ratings_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(200))  # ticket:<id> | chat:<session>:<turn>
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Rectification(Base):
    """整改: opened by a poor rating, with its own owner, deadline and call-back record."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CallBack(Base):
    """回访: a call back to the enterprise about a rectification."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    staff: Mapped[str] = mapped_column(String(64))
    satisfied: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnswerVote(Base):
    """A quick helpful / not-helpful vote on one answered turn (one per turn)."""

    __tablename__ = "answer_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey(ChatTurn.id), unique=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TicketLink(Base):
    """A ticket that a session proved is its own (number + phone), so it sees and rates it."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("session_id", "ticket_id", name="uq_ticket_links"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffUser(Base):
    """A hotline staff member, district liaison or admin; the API key is stored only as its
    SHA-256. A liaison works on the tickets of ``district`` only."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # staff | liaison | editor | admin
    district: Mapped[str | None] = mapped_column(String(32))  # a liaison's district
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id, for sign-in
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
