"""The outbox shared by several workers (processes): each delivery goes out once."""

from __future__ import annotations

import threading
from typing import Any

from hotline.notifications.outbox import Backoff
from tests.clock import Clock
from tests.notifications.conftest import START, question, wire
from tests.notifications.helpers import WebhookReceiver


def test_two_workers_draining_one_outbox_send_each_delivery_once(url: str,
                                                                 knowledge: Any) -> None:
    with WebhookReceiver() as receiver:
        stacks = [wire(url, knowledge, Clock(START), NOTIFY_WEBHOOK_URL=receiver.url,
                       NOTIFY_WEBHOOK_SECRET="k") for _ in range(2)]
        for i in range(6):
            stacks[0].tickets.open(question(session_id=f"web-outbox-{i}"))  # 2 messages each
        for stack in stacks:
            stack.notifications.worker.batch = 3
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def drain(worker: Any) -> None:
            barrier.wait()
            try:
                worker.run_once()
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=drain, args=(s.notifications.worker,))
                   for s in stacks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert errors == []
    ids = sorted(int(r.headers["X-DXE-Delivery"]) for r in receiver.received)
    assert ids == list(range(ids[0], ids[0] + 12))  # all twelve, none twice
    assert stacks[0].notifications.outbox.counts() == {"pending": 0, "sent": 12, "failed": 0}
    for stack in stacks:
        stack.sessions.kw["bind"].dispose()


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(base_seconds=10, cap_seconds=60, max_attempts=5)
    assert [backoff.delay(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]
