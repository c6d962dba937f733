"""Booking, capacity, cancelling and rescheduling, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from hotline.appointments.errors import AppointmentNotFound, BookingConflict, InvalidBooking
from hotline.appointments.models import AppointmentSlot
from hotline.audit.models import AuditEntry
from tests.appointments.conftest import Desk, booking
from tests.clock import Clock

TUESDAY = date(2026, 9, 29)
AFTER_HOLIDAY = date(2026, 10, 8)


def _booked(desk: Desk, day: date, start: str) -> int:
    with desk.sessions() as session:
        row = session.scalar(select(AppointmentSlot).where(AppointmentSlot.day == day,
                                                           AppointmentSlot.start == start))
        return row.booked if row else 0


def test_a_booking_takes_a_place_and_is_listed_for_its_identity_only(desk: Desk) -> None:
    made = desk.appointments.book(booking(TUESDAY, "09:30"))
    assert (made.status, made.start, made.end, made.period) == ("booked", "09:30", "10:00", "上午")
    assert made.text == "9月29日（周二）上午 09:30–10:00" and made.phone == "13912345678"
    assert made.location == "市民之家市科技局服务窗口"
    assert [a.id for a in desk.appointments.mine("web:acme")] == [made.id]
    assert desk.appointments.mine("web:someone-else") == []
    free = {s.start: s.remaining for s in desk.appointments.free_slots(TUESDAY)}
    assert free["09:30"] == 1 and free["09:00"] == 2


def test_no_slot_is_booked_beyond_its_capacity(desk: Desk) -> None:
    desk.appointments.book(booking(TUESDAY, "10:00", session_id="web:a"))
    desk.appointments.book(booking(TUESDAY, "10:00", session_id="web:b"))
    with pytest.raises(BookingConflict, match="约满"):
        desk.appointments.book(booking(TUESDAY, "10:00", session_id="web:c"))
    assert _booked(desk, TUESDAY, "10:00") == 2
    assert "10:00" not in {s.start for s in desk.appointments.free_slots(TUESDAY)}


def test_a_half_day_takes_its_first_free_slot(desk: Desk) -> None:
    desk.appointments.book(booking(TUESDAY, "13:30", session_id="web:a"))
    desk.appointments.book(booking(TUESDAY, "13:30", session_id="web:b"))
    made = desk.appointments.book(booking(TUESDAY, None, period="下午", session_id="web:c"))
    assert made.start == "14:00"


def test_one_identity_books_a_slot_once_and_a_few_upcoming_in_all(desk: Desk) -> None:
    desk.appointments.book(booking(TUESDAY, "09:00"))
    with pytest.raises(BookingConflict, match="已预约了这个时段"):
        desk.appointments.book(booking(TUESDAY, "09:00"))
    assert _booked(desk, TUESDAY, "09:00") == 1  # the refused attempt left no trace
    desk.appointments.book(booking(TUESDAY, "09:30"))
    desk.appointments.book(booking(TUESDAY, "10:00"))
    with pytest.raises(BookingConflict, match="3 个未到期"):
        desk.appointments.book(booking(TUESDAY, "10:30"))


@pytest.mark.parametrize(("day", "start", "why"), [
    (date(2026, 10, 1), "09:00", "不是工作日"),  # 国庆
    (date(2026, 10, 11), "09:00", "不是工作日"),  # Sunday
    (date(2026, 9, 24), "09:00", "可预约"),  # the past
    (date(2026, 11, 30), "09:00", "可预约"),  # beyond ten working days
    (TUESDAY, "09:10", "没有 09:10"),
    (TUESDAY, "12:00", "没有 12:00"),  # extended hours are not configured here
])
def test_what_cannot_be_booked_is_refused(desk: Desk, day: date, start: str, why: str) -> None:
    with pytest.raises(InvalidBooking, match=why):
        desk.appointments.book(booking(day, start))


def test_a_make_up_saturday_can_be_booked(desk: Desk) -> None:
    assert desk.appointments.book(booking(date(2026, 10, 10), "09:00")).date == date(2026, 10, 10)


def test_a_slot_that_has_begun_cannot_be_booked(desk: Desk) -> None:
    with pytest.raises(BookingConflict, match="已过"):  # it is 10:00 on Monday
        desk.appointments.book(booking(date(2026, 9, 28), "09:30"))
    assert desk.appointments.book(booking(date(2026, 9, 28), "10:30")).start == "10:30"


def test_bad_details_are_refused(desk: Desk) -> None:
    with pytest.raises(InvalidBooking, match="电话"):
        desk.appointments.book(replace(booking(TUESDAY), phone="12ab"))
    with pytest.raises(InvalidBooking, match="企业名称"):
        desk.appointments.book(replace(booking(TUESDAY), company=" 某 "))
    with pytest.raises(InvalidBooking, match="日历"):
        desk.appointments.book(booking(TUESDAY, calendar="江汉区"))


def test_cancel_frees_the_place_and_only_the_owner_may(desk: Desk) -> None:
    made = desk.appointments.book(booking(TUESDAY, "11:00"))
    with pytest.raises(AppointmentNotFound):
        desk.appointments.cancel(made.id, "web:intruder")
    assert _booked(desk, TUESDAY, "11:00") == 1
    cancelled = desk.appointments.cancel(made.id, "web:acme")
    assert cancelled.status == "cancelled" and _booked(desk, TUESDAY, "11:00") == 0
    with pytest.raises(BookingConflict, match="已取消"):
        desk.appointments.cancel(made.id, "web:acme")
    assert _booked(desk, TUESDAY, "11:00") == 0  # never below zero, never twice


def test_reschedule_moves_the_place(desk: Desk) -> None:
    made = desk.appointments.book(booking(TUESDAY, "14:00"))
    moved = desk.appointments.reschedule(made.id, "web:acme", AFTER_HOLIDAY, period="上午")
    assert (moved.id, moved.date, moved.start) == (made.id, AFTER_HOLIDAY, "09:00")
    assert _booked(desk, TUESDAY, "14:00") == 0 and _booked(desk, AFTER_HOLIDAY, "09:00") == 1
    with pytest.raises(AppointmentNotFound):
        desk.appointments.reschedule(made.id, "web:intruder", TUESDAY, "15:00")
    with pytest.raises(BookingConflict, match="相同"):
        desk.appointments.reschedule(made.id, "web:acme", AFTER_HOLIDAY, "09:00")


def test_rescheduling_into_a_full_slot_changes_nothing(desk: Desk) -> None:
    mine = desk.appointments.book(booking(TUESDAY, "15:00"))
    desk.appointments.book(booking(TUESDAY, "15:30", session_id="web:a"))
    desk.appointments.book(booking(TUESDAY, "15:30", session_id="web:b"))
    with pytest.raises(BookingConflict, match="约满"):
        desk.appointments.reschedule(mine.id, "web:acme", TUESDAY, "15:30")
    assert _booked(desk, TUESDAY, "15:00") == 1 and _booked(desk, TUESDAY, "15:30") == 2
    assert desk.appointments.mine("web:acme")[0].start == "15:00"


def test_a_blocked_slot_cannot_be_booked_until_unblocked(desk: Desk) -> None:
    existing = desk.appointments.book(booking(TUESDAY, "16:00", session_id="web:early"))
    blocked = desk.appointments.set_blocked(TUESDAY, "window", ["16:00", "16:30"], True,
                                            "彭华魁", "窗口设备检修")
    assert [(s.start, s.blocked, s.block_reason) for s in blocked] == [
        ("16:00", True, "窗口设备检修"), ("16:30", True, "窗口设备检修")]
    with pytest.raises(BookingConflict, match="暂停预约"):
        desk.appointments.book(booking(TUESDAY, "16:30"))
    assert "16:30" not in {s.start for s in desk.appointments.free_slots(TUESDAY)}
    assert desk.appointments.day_bookings(TUESDAY)[0].id == existing.id  # kept
    desk.appointments.set_blocked(TUESDAY, "window", ["16:30"], False, "彭华魁")
    assert desk.appointments.book(booking(TUESDAY, "16:30")).start == "16:30"
    with desk.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["appointment.block", "appointment.unblock"]


def test_a_whole_day_can_be_blocked(desk: Desk) -> None:
    slots = desk.appointments.set_blocked(AFTER_HOLIDAY, "window", None, True, "彭华魁", "培训")
    assert len(slots) == 14 and all(s.blocked for s in slots)
    assert desk.appointments.free_slots(AFTER_HOLIDAY) == []
    with pytest.raises(InvalidBooking, match="不是工作日"):
        desk.appointments.set_blocked(date(2026, 10, 2), "window", None, True, "彭华魁")


def test_staff_mark_attendance_from_the_day_on(desk: Desk, clock: Clock) -> None:
    made = desk.appointments.book(booking(TUESDAY, "09:00"))
    with pytest.raises(BookingConflict, match="未到"):
        desk.appointments.mark_attendance(made.id, True, "彭华魁")
    clock.advance(days=1)
    assert desk.appointments.mark_attendance(made.id, False, "彭华魁").status == "no_show"
    assert desk.appointments.mark_attendance(made.id, True, "彭华魁").status_text == "已到场"
    assert [a.status for a in desk.appointments.day_bookings(TUESDAY)] == ["attended"]
    with pytest.raises(AppointmentNotFound):
        desk.appointments.mark_attendance(999_999, True, "彭华魁")


def test_a_district_calendar_is_separate_from_the_window(desk: Desk) -> None:
    made = desk.appointments.book(booking(TUESDAY, "09:00", calendar="东湖高新区"))
    assert made.location == "东湖高新区包区联系人"
    assert desk.appointments.day_bookings(TUESDAY) == []
    assert [a.id for a in desk.appointments.day_bookings(TUESDAY, "东湖高新区")] == [made.id]
    assert desk.appointments.calendar_of(made.id) == "东湖高新区"
