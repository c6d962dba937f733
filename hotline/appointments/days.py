"""The days the staff console offers for a calendar: working days around today, on the
Chinese working-day calendar (holidays off, 调休 Saturdays on)."""

from __future__ import annotations

from datetime import date

from hotline.tickets.working_days import is_working_day, next_working_day, previous_working_day


def working_days_around(today: date, back: int, ahead: int) -> list[date]:
    """``back`` working days before ``today``, today if it is one, and ``ahead`` after, in
    order (``back`` / ``ahead`` ≥ 0)."""
    if back < 0 or ahead < 0:
        raise ValueError(f"back and ahead must be ≥ 0, got {back} and {ahead}")
    before: list[date] = []
    day = today
    for _ in range(back):
        day = previous_working_day(day)
        before.append(day)
    after: list[date] = []
    day = today
    for _ in range(ahead):
        day = next_working_day(day)
        after.append(day)
    return [*reversed(before), *([today] if is_working_day(today) else []), *after]
