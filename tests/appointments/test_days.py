"""The working days the staff console offers around today (the Chinese calendar)."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.appointments.days import working_days_around


def test_the_national_day_holiday_is_skipped_and_its_makeup_saturday_kept() -> None:
    assert working_days_around(date(2026, 9, 30), 2, 3) == [
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
        date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]  # 10月10日 is a 调休 Saturday


def test_a_day_off_is_not_offered_itself() -> None:
    assert working_days_around(date(2026, 10, 3), 1, 2) == [
        date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="≥ 0"):
        working_days_around(date(2026, 9, 30), -1, 2)
