"""A period of Beijing calendar days, and the Beijing day of an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hotline.tickets.deadlines import BEIJING

MAX_DAYS = 366
DEFAULT_DAYS = 30


class PeriodError(ValueError):
    """A period that is empty, reversed or too long."""


@dataclass(frozen=True, slots=True)
class Period:
    """Beijing calendar days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("结束日期早于开始日期 / the period ends before it starts")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise PeriodError(f"日期范围最长 {MAX_DAYS} 天 / at most {MAX_DAYS} days")

    @classmethod
    def ending(cls, today: date, days: int = DEFAULT_DAYS) -> Period:
        """The ``days`` days up to and including ``today``."""
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, instant after the last day) in UTC."""
        first = datetime.combine(self.start, time(), BEIJING)
        after = datetime.combine(self.end + timedelta(days=1), time(), BEIJING)
        return first.astimezone(UTC), after.astimezone(UTC)


def beijing_day(moment: datetime) -> date:
    """The Beijing calendar day of a UTC instant (a naive one is taken as UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).date()
