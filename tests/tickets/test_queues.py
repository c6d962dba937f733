"""The console's work queues, computed in the domain — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hotline.tickets.queues import QUEUE_LABELS, Viewer, queue_clause
from hotline.tickets.service import TRIAGE_QUEUE, NewTicket, TicketFilter, TicketService
from tests.clock import Clock

STAFF = Viewer("王坐席", "staff")
JIANGXIA = Viewer("江夏联系人", "liaison", "江夏区")


def new(district: str | None, question: str = "高企认定材料被退回了") -> NewTicket:
    return NewTicket(session_id="web:queues", channel="web", question=question,
                     company="武汉星河科技有限公司", phone="13912345678", district=district)


def ids(tickets: TicketService, viewer: Viewer, queue: str) -> list[str]:
    rows, count = tickets.list(TicketFilter(queue=queue, queue_viewer=viewer, limit=200))
    assert count == len(rows)
    return [t.id for t in rows]


@pytest.fixture
def board(tickets: TicketService) -> dict[str, str]:
    """A triage ticket, a Jiangxia ticket, one of 东湖 owned by 王坐席 and a resolved one."""
    triage = tickets.open(new(None)).id
    jiangxia = tickets.open(new("江夏")).id
    taken = tickets.open(new("光谷")).id
    tickets.act(taken, "transfer", "王坐席", note="热线直接答复", to_owner="王坐席")
    resolved = tickets.open(new("江夏", "孵化器认定")).id
    tickets.act(resolved, "resolve", "江夏联系人", resolution="已电话答复")
    return {"triage": triage, "jiangxia": jiangxia, "taken": taken, "resolved": resolved}


def test_staff_queues_hold_their_own_triage_and_resolved_tickets(
        tickets: TicketService, board: dict[str, str]) -> None:
    assert STAFF.queues() == ("mine", "triage", "overdue", "rating", "open")  # no district
    assert ids(tickets, STAFF, "mine") == [board["taken"]]
    assert ids(tickets, STAFF, "triage") == [board["triage"]]
    assert tickets.get(board["triage"]).owner == TRIAGE_QUEUE
    assert ids(tickets, STAFF, "rating") == [board["resolved"]]
    assert ids(tickets, STAFF, "overdue") == []
    assert set(ids(tickets, STAFF, "open")) == {board["triage"], board["jiangxia"], board["taken"]}
    assert tickets.queue_counts(STAFF) == {"mine": 1, "triage": 1, "overdue": 0, "rating": 1,
                                           "open": 3}


def test_a_liaison_sees_their_district_and_own_tickets_only(
        tickets: TicketService, board: dict[str, str]) -> None:
    assert JIANGXIA.queues() == ("mine", "district", "overdue", "rating", "open")  # no triage
    assert ids(tickets, JIANGXIA, "district") == [board["jiangxia"]]
    assert ids(tickets, JIANGXIA, "rating") == [board["resolved"]]
    assert ids(tickets, JIANGXIA, "triage") == []  # asked anyway: nothing leaks
    # a 东湖 ticket transferred to the Jiangxia liaison is theirs, though not their district's
    tickets.act(board["taken"], "transfer", "王坐席", note="请江夏协办", to_owner="江夏联系人",
                to_role="liaison")
    assert ids(tickets, JIANGXIA, "mine") == [board["taken"]]
    assert ids(tickets, STAFF, "mine") == []
    counts = tickets.queue_counts(JIANGXIA)
    assert counts == {"mine": 1, "district": 1, "overdue": 0, "rating": 1, "open": 2}
    assert set(ids(tickets, JIANGXIA, "open")) == {board["jiangxia"], board["taken"]}
    assert set(counts) <= set(QUEUE_LABELS)


def test_overdue_follows_the_working_day_deadlines(tickets: TicketService, clock: Clock,
                                                   board: dict[str, str]) -> None:
    # opened on 30 Sep 2025: first contact due 9 Oct (after 国庆), solution 11 Oct (调休 Saturday)
    clock.advance(days=9, hours=1)
    late = set(ids(tickets, STAFF, "overdue"))
    assert late == {board["triage"], board["jiangxia"], board["taken"]}  # none contacted yet
    assert set(ids(tickets, JIANGXIA, "overdue")) == {board["jiangxia"]}
    tickets.act(board["jiangxia"], "contact", "江夏联系人")
    assert ids(tickets, JIANGXIA, "overdue") == []  # contacted: the solution is due 11 Oct
    clock.advance(days=2)
    assert ids(tickets, JIANGXIA, "overdue") == [board["jiangxia"]]
    assert tickets.queue_counts(JIANGXIA)["overdue"] == 1


def test_a_queue_lists_the_most_urgent_first(tickets: TicketService, clock: Clock) -> None:
    first = tickets.open(new(None)).id
    clock.advance(days=1)
    second = tickets.open(new(None)).id
    assert ids(tickets, STAFF, "triage") == [first, second]  # the older one is due sooner
    assert ids(tickets, STAFF, "open")[:2] == [second, first]  # the overview: newest first
    newest_first, _ = tickets.list(TicketFilter(limit=200))
    assert [t.id for t in newest_first][:2] == [second, first]


def test_an_unknown_queue_is_refused(tickets: TicketService) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        queue_clause("everything", STAFF, tickets.clock())
