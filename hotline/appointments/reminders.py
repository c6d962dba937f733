"""The reminder the working day before an appointment, through the notification outbox.

A booking on day D is reminded from D's previous working day at the reminder time
(DXE_APPOINTMENT_REMINDER_TIME, 09:00 by default) until its slot begins — unless it was
booked (or rescheduled) after that moment: its confirmation was the reminder. Each round
claims a booking with ``UPDATE … SET reminded_at = now WHERE reminded_at IS NULL`` and
writes its inbox row and outbox deliveries in that same transaction, so a booking is
reminded once, even when the scheduler runs twice or in several processes; a crash before
the commit leaves it for the next round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.appointments.hours import beijing_now_date, slot_start
from hotline.appointments.models import Appointment, AppointmentSlot
from hotline.appointments.service import AppointmentService
from hotline.appointments.views import AppointmentPublic
from hotline.db import read_sessions, retry_locked, rowcount
from hotline.notifications.notifier import About, CompositeNotifier
from hotline.notifications.policy import Message, Role
from hotline.tickets.deadlines import BEIJING
from hotline.tickets.working_days import previous_working_day

REMIND_EVENT = "remind"
HORIZON_DAYS = 14  # calendar days ahead a round looks at (covers any holiday run)


def reminder_text(appointment: AppointmentPublic) -> str:
    """What the enterprise reads."""
    return (f"【预约提醒】您预约了{appointment.text}在{appointment.location}咨询“"
            f"{appointment.service_item}”（预约号 {appointment.id}），请按时前往，并携带相关材料。"
            "如需改期或取消，请在对话中发送“我的预约”。")


class Reminders:
    """Sends the due reminders (:meth:`send_due`, the scheduler's job)."""

    def __init__(self, sessions: sessionmaker[Session], appointments: AppointmentService,
                 notifier: CompositeNotifier, remind_at: time = time(9, 0),
                 clock: Callable[[], datetime] | None = None) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.appointments = appointments
        self.notifier = notifier
        self.remind_at = remind_at
        self.clock = clock or appointments.clock

    def due_moment(self, day: date) -> datetime:
        """When a booking on ``day`` is reminded: its previous working day, at the time."""
        return datetime.combine(previous_working_day(day), self.remind_at, tzinfo=BEIJING)

    def send_due(self) -> list[int]:
        """Remind every booking that is due and not reminded yet; the ids reminded."""
        now = self.clock()
        today = beijing_now_date(now)
        with self._reads() as session:
            candidates = session.execute(
                select(Appointment.id, Appointment.booked_at, AppointmentSlot.day,
                       AppointmentSlot.start).join(AppointmentSlot)
                .where(Appointment.status == "booked", Appointment.reminded_at.is_(None),
                       AppointmentSlot.day >= today,
                       AppointmentSlot.day <= today + timedelta(days=HORIZON_DAYS))
                .order_by(AppointmentSlot.day, AppointmentSlot.start)).all()
        sent = []
        for appointment_id, booked_at, day, start in candidates:
            moment = self.due_moment(day)
            begins = slot_start(day, self.appointments.slot_time(day, start))
            due = moment <= now < begins and booked_at.astimezone(UTC) < moment
            if due and self._remind(appointment_id, now):
                sent.append(appointment_id)
        return sent

    @retry_locked
    def _remind(self, appointment_id: int, now: datetime) -> bool:
        """Claim and remind one booking in one transaction; False when another round has."""
        with self._sessions.begin() as session:
            won = rowcount(session.execute(
                update(Appointment)
                .where(Appointment.id == appointment_id, Appointment.status == "booked",
                       Appointment.reminded_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False)))
            if won != 1:
                return False
            appointment = session.get(Appointment, appointment_id)
            assert appointment is not None
            session.refresh(appointment)
            slot = session.get(AppointmentSlot, appointment.slot_id)
            assert slot is not None
            public = self.appointments.public(appointment, slot)
            message = Message("enterprise", appointment.session_id, Role.ENTERPRISE,
                              REMIND_EVENT, "预约提醒", reminder_text(public))
            self.notifier.deliver(session, message, appointment.channel, About(
                f"预约 {appointment.id}", {"appointment_id": appointment.id,
                                           "date": slot.day.isoformat(), "start": slot.start},
                appointment_id=appointment.id))
            return True
