"""Deadlines count working days on the Chinese calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.tickets.working_days import add_working_days, is_working_day

BJ = ZoneInfo("Asia/Shanghai")


def test_national_day_holiday_and_its_make_up_saturday() -> None:
    assert not is_working_day(date(2026, 10, 1))  # 国庆
    assert is_working_day(date(2026, 10, 10))  # 调休: a Saturday that is a working day
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_three_working_days_across_national_day() -> None:
    start = datetime(2026, 9, 30, 10, 0, tzinfo=BJ)  # Wednesday, last day before the holiday
    assert add_working_days(start, 1) == datetime(2026, 10, 8, 10, 0, tzinfo=BJ)
    assert add_working_days(start, 3) == datetime(2026, 10, 10, 10, 0, tzinfo=BJ)  # Saturday


def test_beyond_the_published_calendar_weekdays_count() -> None:
    start = datetime(2031, 3, 7, 9, 0, tzinfo=BJ)  # a Friday
    assert add_working_days(start, 1) == datetime(2031, 3, 10, 9, 0, tzinfo=BJ)


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5, tzinfo=BJ), 0)
