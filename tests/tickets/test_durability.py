"""Kill the writer mid-write (SIGKILL): every ticket and rating that exists is whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline.db import make_engine, make_session_factory
from hotline.tickets.models import Rating, Rectification, Ticket, TicketEvent
from tests.databases import database

WRITER = Path(__file__).with_name("durability_writer.py")


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_killed_writer_leaves_no_half_written_ticket_or_rating(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as (_engine, url):
        progress = tmp_path / "progress"
        writer = subprocess.Popen([sys.executable, str(WRITER), url, str(progress)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until it has written a good number
            if writer.poll() is not None:
                pytest.fail(f"writer died: {writer.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            if progress.exists() and progress.read_text().isdigit() and \
                    int(progress.read_text()) >= 15:
                break
            time.sleep(0.05)
        os.kill(writer.pid, signal.SIGKILL)  # no cleanup, no rollback handler: like a power cut
        writer.wait()
        done = int(progress.read_text())

        sessions = make_session_factory(make_engine(url))
        with sessions() as session:
            tickets = session.scalars(select(Ticket)).all()
            assert len(tickets) >= done
            for ticket in tickets:
                actions = [e.action for e in session.scalars(
                    select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                    .order_by(TicketEvent.id))]
                assert actions[0] == "create"  # a ticket never exists without its history
                assert actions[-1] == {"assigned": "create", "contacted": "contact",
                                       "resolved": "resolve", "rated": "rate"}[ticket.status]
                rating = session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))
                assert (rating is not None) == (ticket.status == "rated")  # both or neither
                if rating is not None and rating.level <= 2:
                    assert session.scalar(select(func.count(Rectification.id)).where(
                        Rectification.rating_id == rating.id)) == 1
            rated = session.scalar(select(func.count(Rating.id)))
            assert (rated or 0) >= done
