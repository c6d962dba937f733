"""Kill the real app (SIGKILL) in the middle of a burst of handoffs, restart it on the same
database: every ticket it acknowledged exists exactly once, with its notice queued.

The app runs as ``python -m api.manage serve`` (uvicorn, direct mode) over the session's
model and index; staff open the tickets (``POST /api/staff/tickets``), each with its own
question so a retried or doubled write would show. A webhook is configured (nothing
listens), so every message of the policy also queues one outbox delivery.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.supervisor import free_port, wait_until_healthy
from hotline.db import make_engine, make_session_factory
from hotline.notifications.models import Delivery, Notification
from hotline.notifications.policy import messages_for
from hotline.security.accounts import create_staff
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.service import notice_of
from tests.databases import database
from tests.paths import PROJECT_ROOT

BURST = 50
KILL_AFTER = 15  # acknowledged tickets before the kill
HOOK = "http://127.0.0.1:9/hooks/dxe"


def marker(i: int) -> str:
    return f"企业来电咨询研发费用加计扣除（压测第{i}号）"


@contextmanager
def app_process(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The app on ``port``, healthy; stopped (if still alive) afterwards."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.manage", "serve", "--port", str(port)],
            cwd=log.parent, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        if not wait_until_healthy(f"http://127.0.0.1:{port}/api/health", process, 120):
            pytest.fail(f"the app did not start: {log.read_text()[-3000:]}")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fire_burst(base: str, key: str, process: subprocess.Popen[bytes]) -> dict[int, str]:
    """POST :data:`BURST` tickets, 10 at a time; SIGKILL the app at the
    :data:`KILL_AFTER`-th acknowledgement. The ids acknowledged (2xx), by request."""
    acked: dict[int, str] = {}
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}"}

    with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
        def post(i: int) -> None:
            body = {"question": marker(i), "company": f"武汉压测{i}科技有限公司",
                    "phone": "13912345678", "district": "光谷" if i % 2 else None}
            try:
                response = http.post("/api/staff/tickets", json=body)
            except httpx.HTTPError:
                return  # the app died: not acknowledged
            if response.is_success:
                with lock:
                    acked[i] = response.json()["ticket_id"]
                    if len(acked) == KILL_AFTER:
                        os.kill(process.pid, signal.SIGKILL)  # mid-burst, like a power cut
            else:
                assert response.status_code >= 500, response.text

        with ThreadPoolExecutor(max_workers=10) as pool:
            wait([pool.submit(post, i) for i in range(BURST)])
    return acked


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_killed_app_loses_no_acknowledged_ticket_nor_its_notice(
        kind: str, tmp_path: Path, test_settings: Any) -> None:
    with database(kind, tmp_path) as (engine, url):
        _staff, key = create_staff(make_session_factory(engine), "王芳")
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DXE_DATABASE_URL": url,
               "DXE_RASA_URL": "", "DXE_RASA_TOKEN": "test-token", "DXE_ENV": "development",
               "DXE_EMBEDDING_MODEL": str(test_settings.EMBEDDING_MODEL),
               "DXE_INDEX_DIR": str(test_settings.INDEX_DIR), "DXE_VAR_DIR": str(tmp_path),
               "DXE_NOTIFY_WEBHOOK_URL": HOOK, "DXE_NOTIFY_WEBHOOK_SECRET": "k",
               "DXE_SMTP_HOST": "", "DXE_NOTIFY_EMAILS": "{}",
               "DXE_ESCALATION_INTERVAL_SECONDS": "0", "DXE_RATE_LIMITS_ENABLED": "false"}
        port, log = free_port(), tmp_path / "app.log"
        base = f"http://127.0.0.1:{port}"

        with app_process(env, port, log) as first:
            acked = fire_burst(base, key, first)
            first.wait(10)
        assert first.returncode == -signal.SIGKILL
        assert KILL_AFTER <= len(acked) < BURST, "the kill did not land mid-burst"

        with app_process(env, port, log):  # the restart recovers the same database
            listed = httpx.get(f"{base}/api/staff/tickets", params={"limit": 200},
                               headers={"Authorization": f"Bearer {key}"}, timeout=30)
            assert listed.status_code == 200, listed.text

        sessions = make_session_factory(make_engine(url))
        with sessions() as session:
            tickets = session.scalars(select(Ticket)).all()
            assert listed.json()["count"] == len(tickets)
            by_question: dict[str, list[str]] = {}
            for ticket in tickets:
                by_question.setdefault(ticket.question, []).append(ticket.id)
            for i, ticket_id in acked.items():  # acknowledged: there, exactly once
                assert by_question.get(marker(i)) == [ticket_id]
            assert all(len(ids) == 1 for ids in by_question.values())  # nothing doubled

            for ticket in tickets:  # acknowledged or not: never without its notice
                create = session.scalars(select(TicketEvent).where(
                    TicketEvent.ticket_id == ticket.id)).one()
                expected = sorted(f"{m.recipient_kind}:{m.recipient_id}"
                                  for m in messages_for(notice_of(ticket, create)))
                rows = session.scalars(select(Notification).where(
                    Notification.ticket_id == ticket.id)).all()
                assert sorted(f"{r.recipient_kind}:{r.recipient_id}" for r in rows) == expected
                assert expected  # the owner (a liaison) and/or the caller are told
                queued = session.scalar(select(func.count(Delivery.id)).where(
                    Delivery.notification_id.in_([r.id for r in rows])))
                assert queued == len(expected)  # one webhook delivery per message
        sessions.kw["bind"].dispose()
