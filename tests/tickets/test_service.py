"""Opening, routing, deadlines, ownership and escalation — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets.deadlines import BEIJING
from hotline.tickets.lifecycle import TransitionError
from hotline.tickets.service import (
    HOTLINE_OWNER,
    TRIAGE_QUEUE,
    NewTicket,
    TicketFilter,
    TicketNotFound,
    TicketService,
    is_overdue,
)
from tests.clock import Clock
from tests.tickets.conftest import Recorder


def new(district: str | None = "光谷", session_id: str = "web-1", **extra) -> NewTicket:  # type: ignore[no-untyped-def]
    fields = {"session_id": session_id, "channel": "web",
              "question": "高企认定材料被退回了，想当面问问哪里不对",
              "company": "武汉星河科技有限公司", "phone": "13912345678", "district": district}
    return NewTicket(**{**fields, **extra})


def local(moment: datetime) -> datetime:
    return moment.astimezone(BEIJING).replace(tzinfo=None)


def test_alias_routes_to_the_district_liaison_with_a_first_responder(
        tickets: TicketService) -> None:
    ticket = tickets.open(new("光谷"))
    assert (ticket.district, ticket.leader, ticket.department, ticket.contact) == \
        ("东湖高新区", "胡军", "高新处", "彭华魁")
    assert ticket.status == "assigned" and ticket.owner == "彭华魁"
    assert ticket.owner_role == "liaison" and ticket.first_owner == HOTLINE_OWNER
    assert [(e.action, e.to_owner) for e in ticket.events] == [("create", "彭华魁")]


def test_unknown_district_goes_to_the_triage_queue(tickets: TicketService) -> None:
    for district in (None, "火星开发区"):
        ticket = tickets.open(new(district))
        assert ticket.district is None and ticket.owner == TRIAGE_QUEUE
        assert ticket.status == "new"


def test_deadlines_skip_national_day_and_count_the_make_up_saturday(
        tickets: TicketService) -> None:
    # Opened Tue 30 Sep 2025 10:00; 1–8 Oct are holidays, Sat 11 Oct is a 调休 working day.
    ticket = tickets.open(new())
    assert local(ticket.contact_due_at) == datetime(2025, 10, 9, 10, 0)
    assert local(ticket.due_at) == datetime(2025, 10, 11, 10, 0)


def test_transfer_records_who_to_whom_when_and_why(tickets: TicketService,
                                                   clock: Clock) -> None:
    ticket = tickets.open(new())
    clock.advance(hours=2)
    moved = tickets.act(ticket.id, "transfer", "彭华魁", to_owner="李明", to_role="staff",
                        note="涉及外国人工作许可，转外专处")
    assert moved.owner == "李明" and moved.first_owner == HOTLINE_OWNER
    step = moved.events[-1]
    assert (step.action, step.actor, step.from_owner, step.to_owner, step.note) == \
        ("transfer", "彭华魁", "彭华魁", "李明", "涉及外国人工作许可，转外专处")
    assert step.created_at == clock.now
    with pytest.raises(TransitionError, match="原因"):
        tickets.act(ticket.id, "transfer", "李明", to_owner="王芳")


def test_refused_step_changes_nothing(tickets: TicketService) -> None:
    ticket = tickets.open(new(None))
    with pytest.raises(TransitionError):
        tickets.act(ticket.id, "resolve", "王芳", resolution="已答复")
    again = tickets.get(ticket.id)
    assert again.status == "new" and len(again.events) == 1


def test_full_life_cycle_keeps_an_append_only_history(tickets: TicketService,
                                                      recorder: Recorder) -> None:
    ticket = tickets.open(new(None))
    tickets.act(ticket.id, "assign", "王芳", to_owner="彭华魁", to_role="liaison")
    tickets.act(ticket.id, "contact", "彭华魁", note="已电话联系企业")
    tickets.act(ticket.id, "note", "彭华魁", note="企业补充了材料")
    done = tickets.act(ticket.id, "resolve", "彭华魁", resolution="已指导企业补正材料")
    assert done.status == "resolved" and done.resolution == "已指导企业补正材料"
    assert [e.action for e in done.events] == ["create", "assign", "contact", "note", "resolve"]
    assert [e.to_status for e in done.events] == \
        ["new", "assigned", "contacted", "contacted", "resolved"]
    assert [n.action for n in recorder.notices] == [e.action for e in done.events]
    with pytest.raises(TicketNotFound):
        tickets.act("DXE00000000-000000", "contact", "x")


def test_overdue_tickets_escalate_to_the_leader_exactly_once(tickets: TicketService,
                                                            clock: Clock) -> None:
    late = tickets.open(new("光谷"))
    on_time = tickets.open(new("江夏"))
    tickets.act(on_time.id, "contact", "x")
    clock.advance(days=9, hours=1)  # 9 Oct 11:00: past the contact deadline only
    assert is_overdue(tickets.get(late.id), clock()) and not is_overdue(
        tickets.get(on_time.id), clock())
    assert tickets.escalate_overdue() == [late.id]
    escalated = tickets.get(late.id)
    assert escalated.status == "escalated" and escalated.owner == "胡军"
    assert escalated.owner_role == "leader" and escalated.events[-1].actor == "系统"
    assert "首次联系时限" in escalated.events[-1].note
    assert tickets.escalate_overdue() == []  # a second run (or a restart) does nothing
    listed, count = tickets.list(TicketFilter(overdue=True))
    assert count == 1 and listed[0].id == late.id


def test_only_proof_links_a_ticket_to_another_session(tickets: TicketService, db) -> None:  # type: ignore[no-untyped-def]
    """Same company + phone typed elsewhere links nothing (nobody verified it); the ticket
    number with its phone does (hotline/tickets/links.py), on SQLite and PostgreSQL."""
    from hotline.tickets.links import ClaimRefused, TicketLinks

    web = tickets.open(new(session_id="web:abc"))
    wechat = tickets.open(new(session_id="wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", channel="wechat"))
    assert {t.id for t in tickets.for_identity("web:abc")} == {web.id}
    links = TicketLinks(db[0])
    with pytest.raises(ClaimRefused):
        links.claim("web:abc", wechat.id, "13900000000")
    assert links.claim("web:abc", wechat.id, "+86 139-1234-5678").id == wechat.id
    links.claim("web:abc", wechat.id, "13912345678")  # twice: still one link
    assert {t.id for t in tickets.for_identity("web:abc")} == {web.id, wechat.id}
    assert {t.id for t in tickets.for_identity("wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M")} == {wechat.id}
    assert tickets.for_identity("nobody") == []


def test_listing_pages_in_the_database_and_counts_all(tickets: TicketService,
                                                      clock: Clock) -> None:
    opened = []
    for _ in range(3):
        opened.append(tickets.open(new()).id)
        clock.advance(minutes=1)
    first, count = tickets.list(TicketFilter(limit=2))
    rest, again = tickets.list(TicketFilter(limit=2, offset=2))
    assert count == again == 3
    assert [t.id for t in first + rest] == list(reversed(opened))  # newest first
