"""A step's notice (inbox rows + outbox deliveries) commits in the step's own transaction:
a crash right after the commit cannot lose it, and a notifier failure rolls the step back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select

from hotline.notifications.models import Delivery, Notification
from hotline.tickets.models import Ticket, TicketEvent
from tests.clock import Clock
from tests.notifications.conftest import START, Stack, question, wire

HOOK = "http://127.0.0.1:9/hooks/dxe"  # nothing listens: deliveries stay queued


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way out handles it."""


def crash_right_after_the_next_commit(stack: Stack) -> None:
    def die(_session: Any) -> None:
        raise Crash

    event.listen(stack.sessions, "after_commit", die, once=True)


def notice_rows(stack: Stack, ticket_id: str, action: str) -> tuple[list[str], int]:
    """The recipients told about ``action`` on the ticket, and their queued deliveries."""
    with stack.sessions() as session:
        rows = session.scalars(select(Notification).where(
            Notification.ticket_id == ticket_id, Notification.event == action)
            .order_by(Notification.id)).all()
        deliveries = session.scalar(select(func.count(Delivery.id)).where(
            Delivery.notification_id.in_([r.id for r in rows])))
        return [f"{r.recipient_kind}:{r.recipient_id}" for r in rows], int(deliveries or 0)


def test_a_crash_right_after_each_step_commits_loses_no_notice(url: str, knowledge: Any) -> None:
    stack = wire(url, knowledge, _clock(), NOTIFY_WEBHOOK_URL=HOOK)
    crash_right_after_the_next_commit(stack)
    with pytest.raises(Crash):
        stack.tickets.open(question(session_id="web-atomic"))
    with stack.sessions() as session:
        ticket_id = session.scalars(select(Ticket.id).where(
            Ticket.session_id == "web-atomic")).one()
    told, queued = notice_rows(stack, ticket_id, "create")
    assert told == ["enterprise:web-atomic", "staff:彭华魁"] and queued == 2

    crash_right_after_the_next_commit(stack)
    with pytest.raises(Crash):
        stack.tickets.act(ticket_id, "transfer", "彭华魁", to_owner="王芳", note="属于市级事项")
    assert notice_rows(stack, ticket_id, "transfer") == (["staff:王芳"], 1)

    stack.clock.advance(days=10)  # overdue: the scheduler escalates it to the leader
    crash_right_after_the_next_commit(stack)
    with pytest.raises(Crash):
        stack.tickets.escalate_overdue()
    told, queued = notice_rows(stack, ticket_id, "escalate")
    assert "staff:胡军" in told and "enterprise:web-atomic" in told and queued == len(told)
    stack.notifications.stop()
    stack.sessions.kw["bind"].dispose()


def test_a_notifier_failure_rolls_the_step_back(url: str, knowledge: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    stack = wire(url, knowledge, _clock(), NOTIFY_WEBHOOK_URL=HOOK)
    ticket = stack.tickets.open(question(session_id="web-rollback"))

    def broken(*_args: Any) -> list[Any]:
        raise RuntimeError("policy bug")

    monkeypatch.setattr(stack.notifications.notifier.routes, "deliveries", broken)
    with pytest.raises(RuntimeError, match="policy bug"):
        stack.tickets.open(question(session_id="web-never"))
    with pytest.raises(RuntimeError, match="policy bug"):
        stack.tickets.act(ticket.id, "transfer", "彭华魁", to_owner="王芳", note="属于市级事项")
    with stack.sessions() as session:  # neither the new ticket, nor the step, nor a row
        assert session.scalar(select(func.count(Ticket.id)).where(
            Ticket.session_id == "web-never")) == 0
        assert session.get(Ticket, ticket.id).owner == "彭华魁"  # type: ignore[union-attr]
        assert [e.action for e in session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id))] == ["create"]
        assert session.scalar(select(func.count(Notification.id))) == 2  # the first create's
    stack.notifications.stop()
    stack.sessions.kw["bind"].dispose()


def test_the_worker_is_woken_after_the_commit_only(url: str, knowledge: Any) -> None:
    stack = wire(url, knowledge, _clock(), NOTIFY_WEBHOOK_URL=HOOK)
    woken: list[int] = []
    stack.notifications.notifier._wake = lambda: woken.append(  # noqa: SLF001
        _count_deliveries(stack))
    ticket = stack.tickets.open(question(session_id="web-wake"))
    assert woken == [2]  # once, and its two deliveries were visible to the worker by then
    stack.tickets.act(ticket.id, "note", "彭华魁", note="已电话沟通")  # tells nobody
    assert woken == [2]
    stack.notifications.stop()
    stack.sessions.kw["bind"].dispose()


def _count_deliveries(stack: Stack) -> int:
    with stack.sessions() as session:
        return int(session.scalar(select(func.count(Delivery.id))) or 0)


def _clock() -> Clock:
    return Clock(START)
