"""Build the appointments machinery from settings (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from hotline.appointments.after_hours import AfterHours, ServiceLine, after_hours
from hotline.appointments.hours import OfficeHours, parse_clock
from hotline.appointments.reminders import Reminders
from hotline.appointments.service import AppointmentService, BookingRules
from hotline.notifications.notifier import CompositeNotifier
from hotline.settings import Settings


@dataclass
class Appointments:
    """The booking service, its reminders, the office hours and the service line."""

    service: AppointmentService
    reminders: Reminders
    hours: OfficeHours
    service_line: ServiceLine

    def after_hours(self, moment: datetime | None = None) -> AfterHours:
        """Is a person available at ``moment`` (now), and if not, when is the call-back."""
        return after_hours(moment or self.service.clock(), self.hours, self.service_line)


def build_appointments(settings: Settings, sessions: sessionmaker[Session],
                       notifier: CompositeNotifier) -> Appointments:
    """Everything wired from ``settings``; raises ValueError for unusable office hours."""
    hours = OfficeHours.from_config(settings.OFFICE_HOURS, settings.EXTENDED_HOURS,
                                    settings.APPOINTMENT_SLOT_MINUTES)
    rules = BookingRules(capacity=settings.APPOINTMENT_CAPACITY,
                         booking_days=settings.APPOINTMENT_BOOKING_DAYS,
                         max_active=settings.APPOINTMENT_MAX_ACTIVE,
                         location=settings.APPOINTMENT_LOCATION,
                         districts=tuple(d.strip() for d in settings.APPOINTMENT_DISTRICTS
                                         if d.strip()))
    service = AppointmentService(sessions, hours, rules)
    reminders = Reminders(sessions, service, notifier,
                          parse_clock(settings.APPOINTMENT_REMINDER_TIME))
    return Appointments(service, reminders, hours,
                        ServiceLine.from_config(settings.SERVICE_LINE_PHONE,
                                                settings.SERVICE_LINE_HOURS))
