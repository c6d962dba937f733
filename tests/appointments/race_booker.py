"""Books one slot over and over, each time as a new enterprise, as fast as it can (see
test_race.py): connects, writes ``<go file>.<tag>.ready``, waits for the go file, then makes
``attempts`` bookings and prints how many it won and how many were refused as full, as JSON.
Anything else is a crash.

Usage: python tests/appointments/race_booker.py <database url> <go file> <tag> <attempts>
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hotline.appointments.errors import BookingConflict  # noqa: E402
from hotline.appointments.hours import OfficeHours  # noqa: E402
from hotline.appointments.service import AppointmentService, BookingRules, NewBooking  # noqa: E402
from hotline.db import make_engine, make_session_factory, ping  # noqa: E402
from hotline.tickets.deadlines import BEIJING  # noqa: E402

NOW = datetime(2026, 9, 28, 10, 0, tzinfo=BEIJING)
DAY, START, CAPACITY = date(2026, 9, 29), "09:00", 5


def main(url: str, go: Path, tag: str, attempts: int) -> None:
    sessions = make_session_factory(make_engine(url))
    service = AppointmentService(sessions, OfficeHours.from_config(),
                                 BookingRules(capacity=CAPACITY), clock=lambda: NOW)
    ping(sessions.kw["bind"])  # connected before the start
    go.with_name(f"{go.name}.{tag}.ready").touch()
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go")
        time.sleep(0.001)
    won = full = 0
    for attempt in range(attempts):
        try:
            service.book(NewBooking(f"web:{tag}-{attempt}", "web", "高企认定", DAY,
                                    "武汉星河科技有限公司", "13912345678", start=START))
            won += 1
        except BookingConflict:
            full += 1
    print(json.dumps({"won": won, "full": full}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
