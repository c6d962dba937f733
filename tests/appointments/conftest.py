"""An appointment service (and its reminders, over the real notification machinery) on a
fresh database, SQLite and PostgreSQL, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.appointments.hours import OfficeHours
from hotline.appointments.reminders import Reminders
from hotline.appointments.service import AppointmentService, BookingRules, NewBooking
from hotline.db import make_engine, make_session_factory
from hotline.notifications.setup import Notifications, build_notifications
from hotline.settings import Settings
from hotline.tickets.deadlines import BEIJING
from tests.clock import Clock
from tests.notifications.conftest import FAST, QUIET
from tests.notifications.conftest import light_runtime as light_runtime  # the app's Runtime
from tests.notifications.conftest import url as url  # SQLite and PostgreSQL, migrated

START = datetime(2026, 9, 28, 10, 0, tzinfo=BEIJING)  # a Monday, three days before 国庆
HOURS = OfficeHours.from_config()  # 上午 09:00–12:00, 下午 13:30–17:30, 30-minute slots


@dataclass
class Desk:
    """What a test drives: appointments, reminders, notifications, the clock."""

    appointments: AppointmentService
    reminders: Reminders
    notifications: Notifications
    clock: Clock
    sessions: sessionmaker[Session]
    url: str


def open_desk(url: str, clock: Clock, rules: BookingRules | None = None,
              hours: OfficeHours = HOURS, **settings: Any) -> Desk:
    """A desk over ``url`` (migrated) with its own engine, as a separate process has."""
    sessions = make_session_factory(make_engine(url))
    notifications = build_notifications(Settings(**{**QUIET, "DATABASE_URL": url, **settings}),
                                        sessions, backoff=FAST, clock=clock)
    appointments = AppointmentService(sessions, hours, rules or BookingRules(), clock=clock)
    return Desk(appointments, Reminders(sessions, appointments, notifications.notifier),
                notifications, clock, sessions, url)


def booking(day: Any, start: str | None = "09:00", session_id: str = "web:acme",
            period: str | None = None, channel: str = "web", calendar: str = "window",
            ) -> NewBooking:
    return NewBooking(session_id=session_id, channel=channel, service_item="高企认定",
                      day=day, company="武汉星河科技有限公司", phone="139-1234-5678",
                      start=start, period=period, calendar=calendar)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def desks(url: str, clock: Clock) -> Iterator[list[Desk]]:
    """Desks the test opens (``desks.append(open_desk(...))``), their engines closed after."""
    opened: list[Desk] = []
    yield opened
    for desk in opened:
        desk.sessions.kw["bind"].dispose()


@pytest.fixture
def desk(url: str, clock: Clock, desks: list[Desk]) -> Desk:
    opened = open_desk(url, clock, BookingRules(capacity=2, max_active=3,
                                                districts=("东湖高新区",)))
    desks.append(opened)
    return opened
