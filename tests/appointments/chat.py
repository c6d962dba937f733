"""Booking in chat tests: the shared runtime's appointments on a clock the test fixes (so
"明天" and "周四" never depend on today's date), and the buttons of a reply."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from hotline.tickets.deadlines import BEIJING
from tests.clock import Clock

# Tuesdays, weeks apart, so that tests sharing the session's database book different days
DIRECT_NOW = datetime(2026, 11, 3, 10, 0, tzinfo=BEIJING)
RASA_NOW = datetime(2026, 11, 10, 10, 0, tzinfo=BEIJING)
WECHAT_NOW = datetime(2026, 11, 17, 10, 0, tzinfo=BEIJING)


@contextmanager
def booking_clock(runtime: Any, now: datetime) -> Iterator[Clock]:
    """The runtime's appointment service on ``now`` for the block."""
    service = runtime.appointments.service
    previous, service.clock = service.clock, Clock(now)
    try:
        yield service.clock
    finally:
        service.clock = previous


def buttons(body: dict[str, Any]) -> dict[str, str]:
    """title → payload of every button in a chat response."""
    return {b["title"]: b["payload"] for reply in body["replies"] for b in reply["buttons"]}


def text(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])
