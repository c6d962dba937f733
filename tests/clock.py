"""A clock the test moves (services take ``clock=`` instead of reading the wall clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Now, as the test says."""

    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
