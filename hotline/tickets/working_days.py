"""Working days on the Chinese calendar: statutory holidays off, 调休 Saturdays on."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import chinese_calendar

log = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    """Whether government offices work that day; beyond the published calendar, Mon–Fri."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # the State Council publishes each year's calendar late
        log.warning("no official calendar for %s yet; counting Monday–Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day ``days`` working days after ``start`` (days ≥ 1)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    return current


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    return add_working_days(datetime.combine(day, datetime.min.time()), 1).date()


def previous_working_day(day: date) -> date:
    """The last working day before ``day``."""
    current = day - timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current
