"""Two real OS processes booking the last places of one slot at once: the slot never holds
more bookings than its capacity (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline.appointments.models import Appointment, AppointmentSlot
from hotline.appointments.service import AppointmentService, BookingRules, NewBooking
from hotline.db import make_engine, make_session_factory
from tests.appointments import race_booker
from tests.appointments.conftest import HOURS
from tests.databases import database

BOOKER = Path(race_booker.__file__)


def _race(url: str, folder: Path, attempts: int) -> list[dict[str, int]]:
    go = folder / "go"
    bookers = [subprocess.Popen([sys.executable, str(BOOKER), url, str(go), tag,
                                 str(attempts)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for tag in ("a", "b")]
    deadline = time.monotonic() + 120
    while not all(go.with_name(f"go.{tag}.ready").exists() for tag in ("a", "b")):
        assert time.monotonic() < deadline and all(b.poll() is None for b in bookers), \
            "a booker did not start"
        time.sleep(0.01)
    go.touch()  # both are connected and waiting: off they go
    results = []
    for booker in bookers:
        out, err = booker.communicate(timeout=120)
        assert booker.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out))
    return results


def _state(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        booked = session.scalar(select(AppointmentSlot.booked).where(
            AppointmentSlot.day == race_booker.DAY, AppointmentSlot.start == race_booker.START))
        rows = session.scalar(select(func.count()).select_from(Appointment).join(AppointmentSlot)
                              .where(Appointment.status == "booked",
                                     AppointmentSlot.day == race_booker.DAY,
                                     AppointmentSlot.start == race_booker.START))
    engine.dispose()
    return int(booked or 0), int(rows or 0)


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_processes_never_book_past_capacity(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as (_engine, url):  # an empty slot: its row is raced for too
        results = _race(url, tmp_path, attempts=15)
        assert sum(r["won"] for r in results) == race_booker.CAPACITY
        assert sum(r["full"] for r in results) == 30 - race_booker.CAPACITY
        assert _state(url) == (race_booker.CAPACITY, race_booker.CAPACITY)


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_processes_hammering_the_last_place_get_it_once(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as (_engine, url):
        engine = make_engine(url)
        service = AppointmentService(make_session_factory(engine), HOURS,
                                     BookingRules(capacity=race_booker.CAPACITY),
                                     clock=lambda: race_booker.NOW)
        for n in range(race_booker.CAPACITY - 1):  # all but the last place
            service.book(NewBooking(f"web:early-{n}", "web", "高企认定", race_booker.DAY,
                                    "武汉某科技有限公司", "13900000000", start=race_booker.START))
        engine.dispose()
        results = _race(url, tmp_path, attempts=10)
        assert sorted(r["won"] for r in results) in ([0, 1],)  # one process, once
        assert _state(url) == (race_booker.CAPACITY, race_booker.CAPACITY)
