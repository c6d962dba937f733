"""Booking, rescheduling and cancelling by enterprises; the day's list, attendance and slot
blocks for staff.

A place is taken by one conditional UPDATE on the slot's row (``booked < capacity`` and not
blocked) inside the booking's transaction: PostgreSQL re-checks the condition after waiting
for a concurrent writer of the row, SQLite serialises writers (``BEGIN IMMEDIATE``), so no
slot ever holds more active bookings than its capacity, whatever the number of processes.
Every method is one transaction; a refused step raises an :mod:`errors` exception and
leaves nothing behind.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from hotline.appointments.errors import AppointmentNotFound, BookingConflict, InvalidBooking
from hotline.appointments.hours import (
    OfficeHours,
    SlotTime,
    beijing_now_date,
    chinese_date,
    clock_text,
    parse_clock,
    slot_start,
)
from hotline.appointments.models import Appointment, AppointmentSlot
from hotline.appointments.views import (
    ACTIVE,
    STATUS_TEXT,
    AppointmentPublic,
    SlotPublic,
    Status,
)
from hotline.audit.log import record
from hotline.db import read_sessions, retry_locked, rowcount
from hotline.tickets.links import normalise_phone
from hotline.tickets.working_days import add_working_days, is_working_day
from knowledge.text import has_control_characters

WINDOW = "window"  # the bureau's window at 市民之家


@dataclass(frozen=True, slots=True)
class BookingRules:
    """Capacity and limits (DXE_APPOINTMENT_* settings)."""

    capacity: int = 2  # places per slot
    booking_days: int = 10  # working days ahead one may book
    max_active: int = 3  # upcoming bookings per identity
    location: str = "市民之家市科技局服务窗口"
    districts: tuple[str, ...] = ()  # district liaisons who take appointments too

    def calendars(self) -> tuple[str, ...]:
        return (WINDOW, *self.districts)

    def place(self, calendar: str) -> str:
        return self.location if calendar == WINDOW else f"{calendar}包区联系人"


@dataclass(frozen=True, slots=True)
class NewBooking:
    """What an enterprise books, under the verified identity of its chat session."""

    session_id: str  # web:… / eh:… / wx:… — never a typed company name
    channel: str  # web | ehuiban | wechat: where its reminder goes
    service_item: str
    day: date
    company: str
    phone: str
    start: str | None = None  # "09:30"; or, without it, the first free slot of ``period``
    period: str | None = None  # 上午 / 下午 / an extended window
    calendar: str = WINDOW


class AppointmentService:
    """Appointments over one database, office hours and rules."""

    def __init__(self, sessions: sessionmaker[Session], hours: OfficeHours,
                 rules: BookingRules | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.hours = hours
        self.rules = rules or BookingRules()
        self.clock = clock

    # -- enterprises ---------------------------------------------------------------------
    def free_slots(self, day: date, calendar: str = WINDOW) -> list[SlotPublic]:
        """The slots of ``day`` an enterprise can book now (not started, blocked or full)."""
        return [slot for slot in self.day_slots(day, calendar)
                if slot.remaining > 0 and not slot.blocked
                and slot_start(day, self.slot_time(day, slot.start)) > self.clock()]

    @retry_locked
    def book(self, request: NewBooking) -> AppointmentPublic:
        """Book a place; :class:`InvalidBooking` or :class:`BookingConflict` otherwise."""
        calendar = self._calendar(request.calendar)
        service_item, company, phone = _details(request.service_item, request.company,
                                                request.phone)
        candidates = self._candidates(request.day, request.start, request.period)
        now = self.clock()
        with self._sessions.begin() as session:
            if self._active_count(session, request.session_id) >= self.rules.max_active:
                raise BookingConflict(f"您已有 {self.rules.max_active} 个未到期的预约，请先办理或"
                                      "取消后再预约 / too many upcoming appointments")
            slot_row = self._take(session, calendar, request.day, candidates)
            self._refuse_duplicate(session, request.session_id, slot_row.id)
            appointment = Appointment(slot_id=slot_row.id, session_id=request.session_id,
                                      channel=request.channel, service_item=service_item,
                                      company=company, phone=phone, status="booked",
                                      created_at=now, booked_at=now, updated_at=now)
            session.add(appointment)
            session.flush()
            return self.public(appointment, slot_row)

    def mine(self, session_id: str) -> list[AppointmentPublic]:
        """The identity's bookings, the next first, then the past and cancelled ones."""
        with self._reads() as session:
            rows = session.execute(
                select(Appointment, AppointmentSlot).join(AppointmentSlot)
                .where(Appointment.session_id == session_id)
                .order_by(AppointmentSlot.day.desc(), AppointmentSlot.start.desc())
                .limit(50)).all()
        items = [self.public(appointment, slot) for appointment, slot in rows]
        today = beijing_now_date(self.clock())
        upcoming = sorted((a for a in items if a.status == "booked" and a.date >= today),
                          key=lambda a: (a.date, a.start))
        return upcoming + [a for a in items if a not in upcoming]

    @retry_locked
    def reschedule(self, appointment_id: int, session_id: str, day: date,
                   start: str | None = None, period: str | None = None) -> AppointmentPublic:
        """Move one of the identity's bookings to another slot (of the same calendar)."""
        candidates = self._candidates(day, start, period)
        now = self.clock()
        with self._sessions.begin() as session:
            appointment, old = self._own_booking(session, appointment_id, session_id)
            targets = [slot for slot in candidates if (day, slot.key) != (old.day, old.start)]
            if not targets:
                raise BookingConflict("新时段与原预约相同 / that is the slot already booked")
            new = self._take(session, old.calendar, day, targets)
            self._release(session, old.id)
            appointment.slot_id, appointment.booked_at = new.id, now
            appointment.updated_at, appointment.reminded_at = now, None  # remind anew
            return self.public(appointment, new)

    @retry_locked
    def cancel(self, appointment_id: int, session_id: str) -> AppointmentPublic:
        """Cancel one of the identity's upcoming bookings; its place is free again."""
        with self._sessions.begin() as session:
            appointment, slot = self._own_booking(session, appointment_id, session_id)
            self._release(session, slot.id)
            appointment.status, appointment.updated_at = "cancelled", self.clock()
            return self.public(appointment, slot)

    # -- staff ---------------------------------------------------------------------------
    def day_slots(self, day: date, calendar: str = WINDOW) -> builtins.list[SlotPublic]:
        """Every slot of the calendar's day with its bookings and blocks (staff's view)."""
        calendar = self._calendar(calendar)
        with self._reads() as session:
            rows = {row.start: row for row in session.scalars(
                select(AppointmentSlot).where(AppointmentSlot.calendar == calendar,
                                              AppointmentSlot.day == day))}
        out = []
        for slot in self.hours.slots(day):
            row = rows.get(slot.key)
            booked = row.booked if row else 0
            out.append(SlotPublic(
                calendar=calendar, date=day, start=slot.key, end=clock_text(slot.end),
                period=slot.period, extended=slot.extended, capacity=self.rules.capacity,
                booked=booked, remaining=max(0, self.rules.capacity - booked),
                blocked=bool(row and row.blocked), block_reason=row.block_reason if row else None,
                text=f"{chinese_date(day)}{slot.text}"))
        return out

    def day_bookings(self, day: date, calendar: str = WINDOW) -> builtins.list[AppointmentPublic]:
        """The calendar's bookings of ``day`` (cancelled ones too), in time order."""
        calendar = self._calendar(calendar)
        with self._reads() as session:
            rows = session.execute(
                select(Appointment, AppointmentSlot).join(AppointmentSlot)
                .where(AppointmentSlot.calendar == calendar, AppointmentSlot.day == day)
                .order_by(AppointmentSlot.start, Appointment.id)).all()
        return [self.public(appointment, slot) for appointment, slot in rows]

    def calendar_of(self, appointment_id: int) -> str:
        """The calendar a booking is in (for the staff's object-level check)."""
        with self._reads() as session:
            calendar = session.scalar(select(AppointmentSlot.calendar).join(Appointment)
                                      .where(Appointment.id == appointment_id))
        if calendar is None:
            raise AppointmentNotFound(appointment_id)
        return calendar

    @retry_locked
    def mark_attendance(self, appointment_id: int, attended: bool,
                        staff: str) -> AppointmentPublic:
        """Attended or no-show, from the booking's day on (a mistake can be corrected)."""
        with self._sessions.begin() as session:
            appointment = session.get(Appointment, appointment_id, with_for_update=True)
            if appointment is None:
                raise AppointmentNotFound(appointment_id)
            slot = session.get(AppointmentSlot, appointment.slot_id)
            assert slot is not None
            if appointment.status == "cancelled":
                raise BookingConflict("该预约已取消 / the appointment was cancelled")
            if slot.day > beijing_now_date(self.clock()):
                raise BookingConflict("预约日期未到，不能登记到场情况 / the day has not come yet")
            before = appointment.status
            appointment.status = "attended" if attended else "no_show"
            appointment.marked_by, appointment.updated_at = staff, self.clock()
            record(session, staff, "appointment.attendance", "appointment", appointment.id,
                   before={"status": before}, after={"status": appointment.status})
            return self.public(appointment, slot)

    @retry_locked
    def set_blocked(self, day: date, calendar: str, starts: Iterable[str] | None,
                    blocked: bool, staff: str, reason: str = "") -> builtins.list[SlotPublic]:
        """Block (or unblock) slots of a day — ``starts`` None means the whole day. Bookings
        already made stay (staff tell those enterprises); nobody can book a blocked slot."""
        calendar = self._calendar(calendar)
        wanted = None if starts is None else set(starts)
        slots = self.hours.slots(day)
        if not slots:
            raise InvalidBooking(f"{chinese_date(day)}不是工作日，没有可预约时段 / not a working day")
        chosen = [s for s in slots if wanted is None or s.key in wanted]
        unknown = (wanted or set()) - {s.key for s in slots}
        if unknown or not chosen:
            raise InvalidBooking(f"没有这个时段：{'、'.join(sorted(unknown)) or '无'} / no such slot")
        with self._sessions.begin() as session:
            for slot in chosen:
                row = self._slot_row(session, calendar, day, slot.key, lock=True)
                row.blocked = blocked
                row.block_reason = (reason.strip()[:200] or None) if blocked else None
                row.blocked_by = staff if blocked else None
            record(session, staff, "appointment.block" if blocked else "appointment.unblock",
                   "appointment_slots", f"{calendar} {day.isoformat()}",
                   after={"starts": [s.key for s in chosen], "reason": reason.strip()[:200]})
        return [s for s in self.day_slots(day, calendar) if s.start in {c.key for c in chosen}]

    # -- internals -----------------------------------------------------------------------
    def _calendar(self, calendar: str) -> str:
        if calendar not in self.rules.calendars():
            raise InvalidBooking(f"没有这个预约日历：{calendar} / unknown calendar")
        return calendar

    def slot_time(self, day: date, start: str) -> SlotTime:
        """The slot of ``day`` that starts at ``start`` ("09:30")."""
        slot = self.hours.slot(day, start)
        if slot is None:  # the configuration changed since it was booked
            begin = parse_clock(start)
            end = (datetime.combine(day, begin) + timedelta(minutes=self.hours.slot_minutes))
            return SlotTime(begin, end.time(), "", False)
        return slot

    def _candidates(self, day: date, start: str | None, period: str | None) -> list[SlotTime]:
        """The slots a request may take, in order: the one asked for, or a period's."""
        now = self.clock()
        today = beijing_now_date(now)
        if not is_working_day(day):
            raise InvalidBooking(f"{chinese_date(day)}不是工作日，请选择其他日期 / not a working day")
        last = add_working_days(datetime.combine(today, datetime.min.time()),
                                self.rules.booking_days).date()
        if day < today or day > last:
            raise InvalidBooking(f"可预约今天至{chinese_date(last)}的工作日 / date out of range")
        slots = self.hours.slots(day)
        if start is not None:
            slots = [s for s in slots if s.key == start]
            if not slots:
                raise InvalidBooking(f"没有 {start} 开始的时段 / no slot starts at {start}")
        if period is not None:
            slots = [s for s in slots if s.period == period]
            if not slots:
                raise InvalidBooking(f"没有“{period}”时段，可选：{'、'.join(self.hours.labels)} "
                                     "/ no such half-day")
        if start is None and period is None:
            raise InvalidBooking("请选择时段或上午/下午 / choose a slot or a half-day")
        slots = [s for s in slots if slot_start(day, s) > now]
        if not slots:
            raise BookingConflict("该时段已过，请选择其他时段 / that time has passed")
        return slots

    def _take(self, session: Session, calendar: str, day: date,
              candidates: list[SlotTime]) -> AppointmentSlot:
        """Take a place in the first candidate that has one (conditional UPDATE)."""
        blocked = False
        for slot in candidates:
            row = self._slot_row(session, calendar, day, slot.key)
            won = rowcount(session.execute(
                update(AppointmentSlot)
                .where(AppointmentSlot.id == row.id, AppointmentSlot.blocked.is_(False),
                       AppointmentSlot.booked < self.rules.capacity)
                .values(booked=AppointmentSlot.booked + 1)
                .execution_options(synchronize_session=False)))
            if won == 1:
                session.refresh(row)
                return row
            session.refresh(row)
            blocked = blocked or row.blocked
        if len(candidates) == 1 and blocked:
            raise BookingConflict("该时段暂停预约，请选择其他时段 / the slot is blocked")
        raise BookingConflict("该时段已约满，请选择其他时段 / the slot is fully booked")

    @staticmethod
    def _release(session: Session, slot_id: int) -> None:
        session.execute(update(AppointmentSlot)
                        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked > 0)
                        .values(booked=AppointmentSlot.booked - 1)
                        .execution_options(synchronize_session=False))

    @staticmethod
    def _slot_row(session: Session, calendar: str, day: date, start: str,
                  lock: bool = False) -> AppointmentSlot:
        """The slot's row, inserted if it is not there yet (a concurrent insert of the same
        slot is no error: ON CONFLICT DO NOTHING on the unique calendar, day, start)."""
        values = {"calendar": calendar, "day": day, "start": start, "booked": 0,
                  "blocked": False}
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(AppointmentSlot).values(**values)
                        .on_conflict_do_nothing(index_elements=["calendar", "day", "start"]))
        query = select(AppointmentSlot).where(AppointmentSlot.calendar == calendar,
                                              AppointmentSlot.day == day,
                                              AppointmentSlot.start == start)
        row = session.scalar(query.with_for_update() if lock else query)
        assert row is not None
        return row

    def _active_count(self, session: Session, session_id: str) -> int:
        today = beijing_now_date(self.clock())
        return int(session.scalar(
            select(func.count()).select_from(Appointment).join(AppointmentSlot)
            .where(Appointment.session_id == session_id, Appointment.status == "booked",
                   AppointmentSlot.day >= today)) or 0)

    @staticmethod
    def _refuse_duplicate(session: Session, session_id: str, slot_id: int) -> None:
        held = session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.session_id == session_id, Appointment.slot_id == slot_id,
            Appointment.status.in_(ACTIVE)))
        if held:
            raise BookingConflict("您已预约了这个时段 / you have booked this slot already")

    def _own_booking(self, session: Session, appointment_id: int,
                     session_id: str) -> tuple[Appointment, AppointmentSlot]:
        """The identity's upcoming booking, locked; another identity's is "not found"."""
        appointment = session.get(Appointment, appointment_id, with_for_update=True)
        if appointment is None or appointment.session_id != session_id:
            raise AppointmentNotFound(appointment_id)
        slot = session.get(AppointmentSlot, appointment.slot_id)
        assert slot is not None
        if appointment.status != "booked":
            raise BookingConflict(f"该预约{STATUS_TEXT[appointment.status]}，不能再更改 "
                                  "/ the appointment can no longer be changed")
        if slot_start(slot.day, self.slot_time(slot.day, slot.start)) <= self.clock():
            raise BookingConflict("预约时间已到或已过，不能再更改 / the appointment has begun")
        return appointment, slot

    def public(self, appointment: Appointment, slot: AppointmentSlot) -> AppointmentPublic:
        """A booking as the enterprise and staff see it."""
        time_ = self.slot_time(slot.day, slot.start)
        return AppointmentPublic(
            id=appointment.id, calendar=slot.calendar, location=self.rules.place(slot.calendar),
            date=slot.day, start=slot.start, end=clock_text(time_.end), period=time_.period,
            extended=time_.extended, service_item=appointment.service_item,
            company=appointment.company, phone=appointment.phone, channel=appointment.channel,
            status=cast(Status, appointment.status),
            status_text=STATUS_TEXT[appointment.status],
            text=f"{chinese_date(slot.day)}{time_.text}", created_at=appointment.created_at,
            reminded_at=appointment.reminded_at)


def _details(service_item: str, company: str, phone: str) -> tuple[str, str, str]:
    """The booking's details, cleaned; :class:`InvalidBooking` for unusable ones."""
    if any(has_control_characters(text) for text in (service_item, company, phone)):
        raise InvalidBooking("内容含有不可见的控制字符 / control characters are not allowed")
    item, name = " ".join(service_item.split()), " ".join(company.split())
    digits = normalise_phone(phone)
    if not 1 <= len(item) <= 64:
        raise InvalidBooking("请说明要咨询的事项（64 字以内） / service item required")
    if not 2 <= len(name) <= 128:
        raise InvalidBooking("请填写企业名称（2–128 字） / company name required")
    if not 7 <= len(digits) <= 12:
        raise InvalidBooking("请填写正确的联系电话 / a valid phone number is required")
    return item, name, digits
