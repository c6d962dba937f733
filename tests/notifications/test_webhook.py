"""Webhook delivery to a real local HTTP receiver: signed, retried, never in the ticket's way."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable

from hotline.notifications.webhook import verify
from tests.notifications.conftest import Stack, question
from tests.notifications.helpers import WebhookReceiver, free_port

SECRET = "s3cret-for-tests"


def signature_ok(headers: dict[str, str], body: bytes) -> bool:
    """Checked here from the documented scheme, not with the sender's own code."""
    expected = hmac.new(SECRET.encode(), headers["X-DXE-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-DXE-Signature"], f"sha256={expected}")


def test_each_notification_is_posted_as_signed_json(make_stack: Callable[..., Stack]) -> None:
    with WebhookReceiver() as receiver:
        stack = make_stack(NOTIFY_WEBHOOK_URL=receiver.url, NOTIFY_WEBHOOK_SECRET=SECRET)
        ticket = stack.tickets.open(question())
        assert stack.notifications.worker.run_once() == 2  # the liaison and the enterprise

    assert len(receiver.received) == 2
    documents = []
    for request in receiver.received:
        assert request.path == "/hooks/dxe"
        assert request.headers["Content-Type"].startswith("application/json")
        assert signature_ok(request.headers, request.body)
        assert verify(SECRET, request.headers["X-DXE-Timestamp"], request.body,
                      request.headers["X-DXE-Signature"])
        assert not signature_ok(request.headers, request.body + b" ")  # tampering shows
        documents.append(json.loads(request.body))
    by_kind = {d["recipient"]["kind"]: d for d in documents}
    assert by_kind["staff"]["recipient"]["id"] == "彭华魁"
    assert by_kind["enterprise"]["recipient"]["id"] == "web-abc123"
    assert all(d["ticket_id"] == ticket.id and d["event"] == "create" for d in documents)
    assert "新工单" in by_kind["staff"]["text"] and "包区联系人" in by_kind["enterprise"]["text"]
    assert stack.notifications.outbox.counts() == {"pending": 0, "sent": 2, "failed": 0}


def test_a_receiver_that_is_down_fails_no_step_and_is_retried(
        make_stack: Callable[..., Stack]) -> None:
    port = free_port()  # nothing listens here yet
    stack = make_stack(NOTIFY_WEBHOOK_URL=f"http://127.0.0.1:{port}/hooks/dxe",
                       NOTIFY_WEBHOOK_SECRET=SECRET)
    ticket = stack.tickets.open(question())
    contacted = stack.tickets.act(ticket.id, "contact", "彭华魁")
    assert contacted.status == "contacted"  # the steps went through
    items, _ = stack.notifications.inbox.list("enterprise", "web-abc123")
    assert [i.event for i in items] == ["contact", "create"]  # the inbox does not wait

    assert stack.notifications.worker.run_once() == 3
    rows = stack.notifications.outbox.deliveries()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1)] * 3
    assert all("webhook" in (r.last_error or "") for r in rows)
    assert all(r.next_attempt_at == stack.clock() + stack.notifications.outbox.backoff.delay(1)
               for r in rows)
    assert stack.notifications.worker.run_once() == 0  # not due again before the backoff

    with WebhookReceiver(port=port) as receiver:
        stack.clock.advance(seconds=31)
        assert stack.notifications.worker.run_once() == 3
    assert len(receiver.received) == 3
    assert all(signature_ok(r.headers, r.body) for r in receiver.received)
    assert sorted(int(r.headers["X-DXE-Delivery"]) for r in receiver.received) == \
        [r.id for r in rows]  # the same delivery ids as the failed attempts
    assert [(r.status, r.attempts) for r in stack.notifications.outbox.deliveries()] == \
        [("sent", 2)] * 3


def test_an_error_answer_is_retried_and_a_dead_receiver_given_up(
        make_stack: Callable[..., Stack]) -> None:
    with WebhookReceiver(fail_first=1) as receiver:
        stack = make_stack(NOTIFY_WEBHOOK_URL=receiver.url, NOTIFY_WEBHOOK_SECRET=SECRET)
        stack.tickets.open(question(district=None))  # triage queue: the enterprise only
        stack.notifications.worker.run_once()
        assert stack.notifications.outbox.counts()["pending"] == 1  # HTTP 500
        stack.clock.advance(seconds=31)
        stack.notifications.worker.run_once()
    assert stack.notifications.outbox.counts() == {"pending": 0, "sent": 1, "failed": 0}
    assert len(receiver.received) == 2

    down = make_stack(NOTIFY_WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/x")
    down.tickets.open(question(district=None))
    for _ in range(3):  # FAST backoff: three attempts in all
        down.notifications.worker.run_once()
        down.clock.advance(minutes=10)
    (row,) = [r for r in down.notifications.outbox.deliveries() if r.target.endswith("/x")]
    assert (row.status, row.attempts) == ("failed", 3)  # given up; the inbox row remains
    assert down.notifications.worker.run_once() == 0


def test_the_background_worker_delivers_while_a_slow_receiver_holds_no_step(
        make_stack: Callable[..., Stack]) -> None:
    gate = threading.Event()  # the receiver answers only when the gate opens
    with WebhookReceiver(gate=gate) as receiver:
        stack = make_stack(NOTIFY_WEBHOOK_URL=receiver.url, NOTIFY_WEBHOOK_SECRET=SECRET)
        stack.notifications.start()
        ticket = stack.tickets.open(question(district=None))
        assert receiver.arrived.wait(10)  # the worker is inside the receiver, stuck …
        assert not gate.is_set()
        stack.tickets.act(ticket.id, "assign", "王敏", to_owner="李静")  # … steps still go on
        assert stack.tickets.get(ticket.id).owner == "李静"
        gate.set()
        stack.notifications.stop()
    assert not stack.notifications.worker.running
    assert len(receiver.received) >= 1
    assert json.loads(receiver.received[0].body)["ticket_id"] == ticket.id
