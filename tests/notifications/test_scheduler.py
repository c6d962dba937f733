"""The escalation scheduler: one tick escalates an overdue ticket once, to its leader, and
neither a restart nor a second scheduler on the same database escalates it again."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotline.tickets.scheduler import EscalationScheduler
from hotline.tickets.service import SYSTEM_ACTOR
from tests.clock import Clock
from tests.databases import database
from tests.notifications.conftest import START, Stack, question, wire

OVERDUE = START + timedelta(days=4)  # opened Monday 10:00, due Thursday 10:00 (3 working days)


@pytest.fixture
def stacks(url: str, knowledge: Any) -> Iterator[list[Stack]]:
    """Stacks opened by the test (each with its own engine: a separate process), closed after."""
    opened: list[Stack] = []
    yield opened
    for stack in opened:
        stack.sessions.kw["bind"].dispose()


def process(url: str, knowledge: Any, stacks: list[Stack], now: datetime) -> Stack:
    stack = wire(url, knowledge, Clock(now))
    stacks.append(stack)
    return stack


def escalations(stack: Stack, ticket_id: str) -> int:
    return [e.action for e in stack.tickets.get(ticket_id).events].count("escalate")


def leader_inbox(stack: Stack, ticket_id: str) -> list[str]:
    items, _ = stack.notifications.inbox.list("staff", "胡军", limit=200)
    return [i.event for i in items if i.ticket_id == ticket_id]


def test_one_tick_escalates_once_and_a_restart_does_not_repeat_it(
        url: str, knowledge: Any, stacks: list[Stack]) -> None:
    first = process(url, knowledge, stacks, START)
    late = first.tickets.open(question())
    on_time = first.tickets.open(question(session_id="web-ontime"))
    first.tickets.act(on_time.id, "contact", "彭华魁")
    first.clock.advance(hours=23)  # Tuesday 09:00: the first contact is due only at 10:00
    assert EscalationScheduler(first.tickets).tick() == []

    first.clock.now = OVERDUE.astimezone(UTC)
    first.tickets.act(on_time.id, "resolve", "彭华魁", resolution="已答复")
    assert EscalationScheduler(first.tickets).tick() == [late.id]

    ticket = first.tickets.get(late.id)
    assert (ticket.status, ticket.owner, ticket.owner_role) == ("escalated", "胡军", "leader")
    assert ticket.escalated_at == OVERDUE
    event = ticket.events[-1]
    assert (event.action, event.actor, event.from_owner, event.to_owner) == \
        ("escalate", SYSTEM_ACTOR, "彭华魁", "胡军")
    assert "超过解决时限" in event.note
    assert leader_inbox(first, late.id) == ["escalate"]
    handler, _ = first.notifications.inbox.list("staff", "彭华魁")
    assert handler[0].event == "escalate" and "已升级由胡军督办" in handler[0].text
    enterprise, _ = first.notifications.inbox.list("enterprise", "web-abc123")
    assert enterprise[0].event == "escalate" and "督办" in enterprise[0].text

    restarted = process(url, knowledge, stacks, OVERDUE + timedelta(hours=1))
    assert EscalationScheduler(restarted.tickets).tick() == []  # the state is the database
    assert escalations(restarted, late.id) == 1
    assert leader_inbox(restarted, late.id) == ["escalate"]


def test_two_schedulers_ticking_at_once_escalate_each_ticket_once(
        url: str, knowledge: Any, stacks: list[Stack]) -> None:
    opener = process(url, knowledge, stacks, START)
    late = [opener.tickets.open(question(session_id=f"web-race-{i}")).id for i in range(4)]
    schedulers = [EscalationScheduler(process(url, knowledge, stacks, OVERDUE).tickets)
                  for _ in range(2)]
    barrier = threading.Barrier(len(schedulers))
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run(scheduler: EscalationScheduler) -> None:
        barrier.wait()
        try:
            results.append(scheduler.tick())
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(i for ids in results for i in ids) == sorted(late)  # each claimed by one
    assert [escalations(opener, ticket_id) for ticket_id in late] == [1] * len(late)
    assert [leader_inbox(opener, ticket_id) for ticket_id in late] == [["escalate"]] * len(late)


def test_the_loop_ticks_every_interval_and_stops_cleanly(tmp_path: Path,
                                                         knowledge: Any) -> None:
    with database("sqlite", tmp_path) as (_engine, url):
        stack = wire(url, knowledge, Clock(START))
        late = stack.tickets.open(question())
        stack.clock.now = OVERDUE.astimezone(UTC)
        scheduler = EscalationScheduler(stack.tickets, interval_seconds=0.05)

        async def run() -> None:
            scheduler.start()
            scheduler.start()  # idempotent
            deadline = time.monotonic() + 10
            while scheduler.rounds < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert scheduler.running
            await scheduler.stop()
            await scheduler.stop()  # idempotent

        asyncio.run(run())
        assert scheduler.rounds >= 3 and not scheduler.running
        assert escalations(stack, late.id) == 1
        stack.sessions.kw["bind"].dispose()


def test_the_app_lifespan_runs_and_stops_the_scheduler_and_the_delivery_worker(
        light_runtime: Any) -> None:
    light_runtime.tickets.clock = lambda: datetime.now(UTC) - timedelta(days=30)
    late = light_runtime.tickets.open(question())
    light_runtime.tickets.clock = lambda: datetime.now(UTC)
    fast = light_runtime.settings.model_copy(update={"ESCALATION_INTERVAL_SECONDS": 0.05})
    with TestClient(create_app(settings=fast, runtime=light_runtime)) as client:
        app = client.app
        assert app.state.escalation.running  # type: ignore[attr-defined]
        assert light_runtime.notifications.worker.running
        deadline = time.monotonic() + 10

        def leader_inbox() -> list[str]:
            return [i.event for i in light_runtime.notifications.inbox.list("staff", "胡军")[0]]

        # the notice is published just after the step commits: wait for both
        while not leader_inbox() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert light_runtime.tickets.get(late.id).owner == "胡军"
        assert light_runtime.tickets.get(late.id).status == "escalated"
        assert leader_inbox() == ["escalate"]
    assert not app.state.escalation.running  # type: ignore[attr-defined]
    assert not light_runtime.notifications.worker.running


def test_an_interval_of_zero_runs_no_scheduler(light_runtime: Any) -> None:
    off = light_runtime.settings.model_copy(update={"ESCALATION_INTERVAL_SECONDS": 0})
    with TestClient(create_app(settings=off, runtime=light_runtime)) as client:
        assert client.app.state.escalation is None  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        EscalationScheduler(light_runtime.tickets, interval_seconds=0)
