"""The reminder the working day before: once per booking through the outbox, however many
rounds or processes run it; none for a cancelled booking or one booked after the moment."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from hotline.appointments.reminders import reminder_text
from hotline.notifications.models import Delivery, Notification
from hotline.tickets.deadlines import BEIJING
from tests.appointments.conftest import Desk, booking, open_desk
from tests.clock import Clock
from tests.notifications.helpers import Sender

AFTER_HOLIDAY = date(2026, 10, 8)  # a Thursday; its previous working day is 9月30日 (Wed)
EVE = datetime(2026, 9, 30, 9, 0, tzinfo=BEIJING)  # the reminder moment (09:00)


def _reminders(desk: Desk) -> list[Notification]:
    with desk.sessions() as session:
        return list(session.scalars(select(Notification).where(Notification.event == "remind")
                                    .order_by(Notification.id)))


def test_a_booking_is_reminded_once_on_the_working_day_before(desk: Desk, clock: Clock) -> None:
    made = desk.appointments.book(booking(AFTER_HOLIDAY, "10:00"))
    assert desk.reminders.send_due() == []  # Monday: too early
    clock.now = (EVE - timedelta(minutes=1)).astimezone(clock.now.tzinfo)
    assert desk.reminders.send_due() == []
    clock.advance(minutes=2)
    assert desk.reminders.send_due() == [made.id]
    assert desk.reminders.send_due() == []  # the second round finds it done
    (notice,) = _reminders(desk)
    assert (notice.recipient_kind, notice.recipient_id) == ("enterprise", "web:acme")
    assert (notice.appointment_id, notice.ticket_id) == (made.id, None)
    assert "10月8日（周四）上午 10:00–10:30" in notice.text and "高企认定" in notice.text
    inbox, _unread = desk.notifications.inbox.list("enterprise", "web:acme")
    assert [item.appointment_id for item in inbox] == [made.id]  # the H5 page polls this


def test_two_processes_remind_a_booking_once(url: str, clock: Clock, desk: Desk,
                                             desks: list[Desk]) -> None:
    made = [desk.appointments.book(booking(AFTER_HOLIDAY, start, session_id=f"web:{n}"))
            for n, start in enumerate(["09:00", "09:00", "09:30", "14:00"])]
    clock.now = (EVE + timedelta(hours=1)).astimezone(clock.now.tzinfo)
    others = [open_desk(url, clock) for _ in range(2)]
    desks.extend(others)
    results: list[list[int]] = []
    barrier = threading.Barrier(len(others))

    def run(other: Desk) -> None:
        barrier.wait()
        results.append(other.reminders.send_due())

    threads = [threading.Thread(target=run, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(i for result in results for i in result) == sorted(a.id for a in made)
    assert sorted(n.appointment_id or 0 for n in _reminders(desk)) == sorted(a.id for a in made)


def test_cancelled_or_late_booked_ones_are_not_reminded_a_moved_one_anew(
        desk: Desk, clock: Clock) -> None:
    cancelled = desk.appointments.book(booking(AFTER_HOLIDAY, "09:00", session_id="web:c"))
    desk.appointments.cancel(cancelled.id, "web:c")
    moved = desk.appointments.book(booking(AFTER_HOLIDAY, "11:00", session_id="web:m"))
    clock.now = (EVE + timedelta(hours=2)).astimezone(clock.now.tzinfo)
    late = desk.appointments.book(booking(AFTER_HOLIDAY, "15:00", session_id="web:late"))
    assert desk.reminders.send_due() == [moved.id]  # not the cancelled, not the late one
    desk.appointments.reschedule(moved.id, "web:m", date(2026, 10, 9), "09:00")
    assert desk.reminders.send_due() == []  # moved after its day's moment: the reply told it
    clock.now = datetime(2026, 10, 8, 9, 30, tzinfo=BEIJING)
    assert desk.reminders.send_due() == [moved.id]  # the day before its new date
    assert late.id not in [n.appointment_id for n in _reminders(desk)]


def test_the_reminder_goes_out_on_the_enterprises_channel(desk: Desk, clock: Clock) -> None:
    sender = Sender()  # WeChat's place in the app
    desk.notifications.register_channel("wechat", sender)
    made = desk.appointments.book(booking(AFTER_HOLIDAY, "16:00", session_id="wx:openid-1",
                                          channel="wechat"))
    clock.now = EVE.astimezone(clock.now.tzinfo)
    assert desk.reminders.send_due() == [made.id]
    assert desk.notifications.worker.run_once() == 1
    assert desk.notifications.worker.run_once() == 0
    (delivered,) = sender.sent
    assert delivered[0] == "wx:openid-1" and delivered[1] == reminder_text(
        desk.appointments.mine("wx:openid-1")[0])
    with desk.sessions() as session:
        (row,) = session.scalars(select(Delivery)).all()
    assert (row.transport, row.target, row.status) == ("channel", "wechat", "sent")


def test_the_app_lifespan_runs_the_reminder_job(light_runtime: Any) -> None:
    appointments = light_runtime.appointments
    appointments.service.clock = Clock(datetime(2026, 9, 28, 10, 0, tzinfo=BEIJING))
    made = appointments.service.book(booking(AFTER_HOLIDAY, "09:00", session_id="web:life"))
    appointments.reminders.clock = Clock(EVE + timedelta(minutes=5))
    fast = light_runtime.settings.model_copy(
        update={"APPOINTMENT_REMINDER_INTERVAL_SECONDS": 0.05})
    with TestClient(create_app(settings=fast, runtime=light_runtime)) as client:
        job = client.app.state.appointment_reminders  # type: ignore[attr-defined]
        assert job.running
        deadline = time.monotonic() + 10
        while not light_runtime.notifications.inbox.list("enterprise", "web:life")[0] and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        (notice,) = light_runtime.notifications.inbox.list("enterprise", "web:life")[0]
        assert (notice.event, notice.appointment_id) == ("remind", made.id)
    assert not job.running
