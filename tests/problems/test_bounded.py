"""The problem list reads a bounded number of rows: the newest open items of each source
(keyset pages through the time indexes, resolved items left out by the database) are
exactly the tail of the full collection without the resolved ones (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.models import ChatTurn
from hotline.problems.models import ProblemResolution
from hotline.problems.service import ProblemList
from hotline.problems.sources import KIND_LABELS, collect, collect_open
from hotline.tickets.models import AnswerVote, Rating
from hotline.tickets.service import NewTicket, TicketService
from tests.clock import Clock
from tests.problems.conftest import START

# (outcome, intent, text): problems, and turns that are none (answered, a button payload,
# an understood fallback, blank)
TURNS = [("declined", "ask_policy", "高企认定要多久"), ("dialogue", "nlu_fallback", "嗯嗯那个"),
         ("answered", "ask_policy", "孵化器认定条件"), ("declined", "ask_policy", "/affirm"),
         ("answered", "nlu_fallback", "专精特新怎么报"), ("declined", "ask_policy", "   "),
         ("declined", "ask_policy", "技术合同登记在哪办")]


@pytest.fixture
def history(sessions: sessionmaker[Session], tickets: TicketService, clock: Clock) -> set[str]:
    """Sixty turns, not-helpful votes, poor and good ratings, one overdue ticket, and a few
    items resolved; the resolved keys."""
    with sessions.begin() as session:
        for n in range(60):
            outcome, intent, text = TURNS[n % len(TURNS)]
            turn = ChatTurn(session_id=f"web:{n % 9}", channel="web", text=f"{text}{n}"
                            if text.strip() and not text.startswith("/") else text,
                            intent=intent, outcome=outcome, confidence=None,
                            created_at=START + timedelta(minutes=n))
            session.add(turn)
            session.flush()
            if outcome == "answered":
                session.add(AnswerVote(turn_id=turn.id, session_id=turn.session_id,
                                       helpful=n % 3 == 0,
                                       created_at=START + timedelta(minutes=n, seconds=20)))
            if n % 10 == 4:
                session.add(Rating(subject=f"chat:{n}", session_id=turn.session_id,
                                   channel="web", level=n // 10 % 5 + 1, comment=f"评价{n}",
                                   created_at=START + timedelta(minutes=n, seconds=40)))
    tickets.open(NewTicket(session_id="web:t", channel="web", question="众创空间备案条件",
                           company=None, phone=None, district="江岸区"))
    clock.advance(days=10)  # the ticket is overdue now
    with sessions() as session:
        every = collect(session, clock())
    resolved = [*every[3:40:4], every[-2]]  # every[-1]: the overdue ticket
    with sessions.begin() as session:
        session.add_all(ProblemResolution(
            item_key=item.key, group_id=item.key, group_label="已处理", kind=str(item.kind),
            text=item.text, session_id=None, occurred_at=item.occurred_at,
            resolution="已补充FAQ", staff="测试") for item in resolved)
    return {item.key for item in resolved}


@pytest.mark.parametrize("page", [2, 7, 500])
def test_the_newest_open_items_equal_the_tail_of_the_full_collection(
        sessions: sessionmaker[Session], clock: Clock, history: set[str], page: int) -> None:
    with sessions() as session:
        reference = [i for i in collect(session, clock()) if i.key not in history]
        kinds = {str(item.kind) for item in reference}
        assert kinds == {"declined", "fallback", "not_helpful", "poor_rating", "overdue"}
        for limit in (1, 5, 17, len(reference), 1000):
            assert collect_open(session, clock(), limit, page) == reference[-limit:]


def test_the_list_groups_only_the_newest_open_items(
        sessions: sessionmaker[Session], clock: Clock, history: set[str]) -> None:
    problems = ProblemList(sessions, None, clock, max_items=12)
    with sessions() as session:
        reference = [i for i in collect(session, clock()) if i.key not in history]
    assert problems.open_items() == reference[-12:]
    assert sum(group.size for group in problems.groups()) == 12


def test_every_open_item_is_counted_from_the_rollups(
        sessions: sessionmaker[Session], clock: Clock, history: set[str]) -> None:
    problems = ProblemList(sessions, None, clock, max_items=12)
    with sessions() as session:
        reference = [i for i in collect(session, clock()) if i.key not in history]
    expected = Counter(str(item.kind) for item in reference)
    assert problems.open_counts() == {kind: expected[kind] for kind in KIND_LABELS}
    assert sum(expected.values()) == len(reference) > 12
