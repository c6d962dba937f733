"""Office hours on the Chinese working-day calendar: slots, "is it office hours now?", and
the next call-back day of a request that needs a person.

Half-days (上午 09:00–12:00, 下午 13:30–17:30 by default) are cut into slots of a fixed
length; extended-hours windows (延时服务, e.g. 12:00–13:30 and 17:30–19:00) give slots only
where configured. Days follow :mod:`hotline.tickets.working_days`: statutory holidays off,
调休 Saturdays on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from hotline.tickets.deadlines import BEIJING
from hotline.tickets.working_days import is_working_day, next_working_day

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DEFAULT_OFFICE_HOURS = {"上午": "09:00-12:00", "下午": "13:30-17:30"}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(text: str) -> time:
    """"09:30" → 09:30; raises ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return time(int(match[1]), int(match[2]))


def clock_text(moment: time) -> str:
    return f"{moment:%H:%M}"


@dataclass(frozen=True, slots=True)
class Period:
    """A half-day or an extended-hours window: ``label`` (上午, 下午, 午间 …) from start to end."""

    label: str
    start: time
    end: time
    extended: bool = False

    @classmethod
    def parse(cls, label: str, text: str, extended: bool = False) -> Period:
        """``"09:00-12:00"`` → a period; raises ValueError for anything else."""
        match = _RANGE.match(text)
        if not match:
            raise ValueError(f"period {label!r}: not HH:MM-HH:MM: {text!r}")
        start = parse_clock(f"{match[1]}:{match[2]}")
        end = parse_clock(f"{match[3]}:{match[4]}")
        if not label.strip() or len(label) > 8:
            raise ValueError(f"period label must be 1–8 characters: {label!r}")
        if end <= start:
            raise ValueError(f"period {label!r} ends before it starts: {text!r}")
        return cls(label.strip(), start, end, extended)


@dataclass(frozen=True, slots=True)
class SlotTime:
    """One bookable slot of a day."""

    start: time
    end: time
    period: str  # the label of its half-day or extended window
    extended: bool

    @property
    def key(self) -> str:
        """How the slot is named in the database and the API: its start, "09:30"."""
        return clock_text(self.start)

    @property
    def text(self) -> str:
        return f"{self.period} {clock_text(self.start)}–{clock_text(self.end)}"


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The regular periods (office hours), the extended ones and the slot length."""

    periods: tuple[Period, ...]
    extended: tuple[Period, ...] = ()
    slot_minutes: int = 30

    @classmethod
    def from_config(cls, office: dict[str, str] | None = None,
                    extended: dict[str, str] | None = None, slot_minutes: int = 30) -> OfficeHours:
        """Periods from ``{"上午": "09:00-12:00", …}``; raises ValueError for an unusable
        configuration (bad times, overlapping periods, a period shorter than a slot)."""
        regular = tuple(Period.parse(label, text)
                        for label, text in (office or DEFAULT_OFFICE_HOURS).items())
        late = tuple(Period.parse(label, text, extended=True)
                     for label, text in (extended or {}).items())
        if not regular:
            raise ValueError("office hours need at least one period")
        if not 5 <= slot_minutes <= 240:
            raise ValueError("slot length must be 5–240 minutes")
        every = sorted(regular + late, key=lambda p: p.start)
        for before, after in pairwise(every):
            if after.start < before.end:
                raise ValueError(f"periods {before.label!r} and {after.label!r} overlap")
        labels = [p.label for p in every]
        if len(set(labels)) != len(labels):
            raise ValueError("period labels must be distinct")
        for period in every:
            if _minutes(period.end) - _minutes(period.start) < slot_minutes:
                raise ValueError(f"period {period.label!r} is shorter than one slot")
        return cls(regular, late, slot_minutes)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in sorted(self.periods + self.extended, key=lambda p: p.start))

    def slots(self, day: date) -> list[SlotTime]:
        """The day's slots in time order (none on a day off)."""
        if not is_working_day(day):
            return []
        out: list[SlotTime] = []
        for period in sorted(self.periods + self.extended, key=lambda p: p.start):
            start = _minutes(period.start)
            while start + self.slot_minutes <= _minutes(period.end):
                out.append(SlotTime(_time(start), _time(start + self.slot_minutes),
                                    period.label, period.extended))
                start += self.slot_minutes
        return out

    def slot(self, day: date, start: str) -> SlotTime | None:
        """The slot of ``day`` starting at ``start`` ("09:30"), if there is one."""
        return next((slot for slot in self.slots(day) if slot.key == start), None)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` is office hours: a working day, inside a regular period (the
        extended windows are for appointments, not for the telephone)."""
        local = moment.astimezone(BEIJING)
        now = local.time()
        return is_working_day(local.date()) and \
            any(p.start <= now < p.end for p in self.periods)

    def call_back_day(self, moment: datetime) -> date:
        """When a person can call back a request made at ``moment`` outside office hours:
        the next working day (today only before office hours begin on a working day)."""
        local = moment.astimezone(BEIJING)
        first = min(p.start for p in self.periods)
        if is_working_day(local.date()) and local.time() < first:
            return local.date()
        return next_working_day(local.date())

    def describe(self) -> str:
        """"工作日 09:00–12:00、13:30–17:30" (the regular periods)."""
        spans = "、".join(f"{clock_text(p.start)}–{clock_text(p.end)}"
                         for p in sorted(self.periods, key=lambda p: p.start))
        return f"工作日 {spans}"


def chinese_date(day: date) -> str:
    """12月2日（周三）."""
    return f"{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def beijing_now_date(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def slot_start(day: date, slot: SlotTime) -> datetime:
    """The aware moment (Beijing) a slot of ``day`` starts."""
    return datetime.combine(day, slot.start, tzinfo=BEIJING)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _time(minutes: int) -> time:
    return (datetime.min + timedelta(minutes=minutes)).time()
