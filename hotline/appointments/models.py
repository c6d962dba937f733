"""Tables of appointments: one row per slot (its booking counter) and one per booking."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime
from hotline.tickets.models import utcnow


class AppointmentSlot(Base):
    """A slot of a calendar's day, created when first booked or blocked.

    ``booked`` counts the active bookings (booked, attended, no-show); it only ever grows by
    ``UPDATE … SET booked = booked + 1 WHERE booked < :capacity AND NOT blocked``, one
    statement the database runs atomically on the row, so two processes racing for the last
    place cannot both win.
    """

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("calendar", "day", "start",
                                       name="uq_appointment_slots_calendar_day_start"),
                      CheckConstraint("booked >= 0", name="ck_appointment_slots_booked"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    calendar: Mapped[str] = mapped_column(String(32))  # "window" or a district's name
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))  # "09:30" (Beijing time)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str | None] = mapped_column(String(200))
    blocked_by: Mapped[str | None] = mapped_column(String(64))


class Appointment(Base):
    """One booking, by the verified chat identity (``session_id``) that made it."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_status_slot", "status", "slot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)  # web: / eh: / wx: id
    channel: Mapped[str] = mapped_column(String(16))  # where the reminder goes
    service_item: Mapped[str] = mapped_column(String(64))
    company: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # booked | cancelled | attended | no_show
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # or rescheduled
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marked_by: Mapped[str | None] = mapped_column(String(64))  # who marked attendance
