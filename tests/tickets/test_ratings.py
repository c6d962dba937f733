"""好差评: one per matter, one per interaction, rectification for poor ratings, votes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import func, select

from hotline.conversations.models import ChatTurn
from hotline.tickets.models import AnswerVote, Rating, Ticket
from hotline.tickets.ratings import RatingRefused, RatingService
from hotline.tickets.service import TRIAGE_QUEUE, TicketService
from tests.clock import Clock
from tests.tickets.test_service import local, new


def resolved(tickets: TicketService, session_id: str = "web-1") -> Ticket:
    ticket = tickets.open(new(session_id=session_id))
    tickets.act(ticket.id, "contact", "彭华魁")
    return tickets.act(ticket.id, "resolve", "彭华魁", resolution="已当面指导")


def say(sessions, session_id: str, text: str, intent: str = "ask_policy") -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        turn = ChatTurn(session_id=session_id, channel="web", text=text, intent=intent,
                        outcome="answered", confidence=0.8, top_doc_id=None, top_section=None)
        session.add(turn)
        session.flush()
        return turn.id


def test_a_ticket_is_rated_once_after_it_is_resolved(tickets: TicketService,
                                                     ratings: RatingService) -> None:
    ticket = tickets.open(new())
    with pytest.raises(RatingRefused, match="办结后"):
        ratings.rate("web-1", 5, ticket_id=ticket.id)
    ticket = resolved(tickets)
    pending = ratings.pending_ticket("web-1")
    assert pending is not None and pending.id == ticket.id
    result = ratings.rate("web-1", 4, "联系人很耐心", ticket_id=ticket.id)
    assert (result.label, result.rectification_id) == ("满意", None)
    after = tickets.get(ticket.id)
    assert after.status == "rated" and after.events[-1].note == "满意：联系人很耐心"
    with pytest.raises(RatingRefused) as second:
        ratings.rate("web-1", 1, ticket_id=ticket.id)
    assert second.value.already
    assert ratings.pending_ticket("web-1") is None


def test_only_the_enterprise_can_rate_its_ticket(tickets: TicketService,
                                                 ratings: RatingService) -> None:
    ticket = resolved(tickets)
    with pytest.raises(RatingRefused, match="没有找到"):
        ratings.rate("web-stranger", 5, ticket_id=ticket.id)


def test_two_simultaneous_ratings_of_one_ticket_store_one(db, tickets: TicketService,  # type: ignore[no-untyped-def]
                                                          ratings: RatingService) -> None:
    ticket = resolved(tickets)

    def attempt(level: int) -> str:
        try:
            ratings.rate("web-1", level, ticket_id=ticket.id)
            return "ok"
        except RatingRefused:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, [5, 4, 3, 2]))
    assert outcomes.count("ok") == 1
    with db[0]() as session:
        assert session.scalar(select(func.count(Rating.id))
                              .where(Rating.ticket_id == ticket.id)) == 1


def test_a_poor_rating_opens_a_rectification_with_call_back(tickets: TicketService,
                                                            ratings: RatingService,
                                                            clock: Clock) -> None:
    ticket = resolved(tickets)
    result = ratings.rate("web-1", 2, "拖了很久才联系", ticket_id=ticket.id)
    assert result.rectification_id is not None
    [item] = ratings.rectifications("open")
    assert item.owner == "胡军" and item.ticket_id == ticket.id
    # 15 working days from Tue 30 Sep 2025 across 国庆 (incl. the 调休 Saturday 11 Oct)
    assert local(item.due_at) == datetime(2025, 10, 28, 10, 0)  # 9,10,11(Sat),13…17,20…24,27,28
    with pytest.raises(ValueError, match="回访"):
        ratings.close_rectification(item.id, "王芳", "已约谈联系人")
    ratings.record_callback(item.id, "王芳", satisfied=True, note="企业认可整改")
    closed = ratings.close_rectification(item.id, "王芳", "已约谈联系人，限时响应")
    assert closed.status == "done" and ratings.rectifications("open") == []


def test_a_conversation_is_rated_once_per_interaction(db, ratings: RatingService) -> None:  # type: ignore[no-untyped-def]
    sessions = db[0]
    with pytest.raises(RatingRefused, match="还没有"):
        ratings.rate("web-chat", 5)
    say(sessions, "web-chat", "高企 网上能办不")
    assert not ratings.conversation_rated("web-chat")
    assert ratings.rate("web-chat", 5).label == "非常满意"
    assert ratings.conversation_rated("web-chat")
    with pytest.raises(RatingRefused) as again:
        ratings.rate("web-chat", 4)
    assert again.value.already
    say(sessions, "web-chat", "非常满意", intent="rate_service")
    say(sessions, "web-chat", "再见", intent="goodbye")
    assert ratings.conversation_rated("web-chat")  # farewells are not a new interaction
    say(sessions, "web-chat", "孵化器认定条件")  # a new interaction may be rated again
    assert ratings.rate("web-chat", 3).label == "基本满意"


def test_a_poor_conversation_rating_opens_a_complaint_ticket(db, tickets: TicketService,  # type: ignore[no-untyped-def]
                                                             ratings: RatingService) -> None:
    say(db[0], "web-poor", "明年科技经费预算多少")
    result = ratings.rate("web-poor", 1, "什么都答不上来")
    assert result.complaint_ticket_id is not None
    complaint = tickets.get(result.complaint_ticket_id)
    assert complaint.kind == "complaint" and complaint.owner == TRIAGE_QUEUE
    assert "非常不满意：什么都答不上来" in complaint.question
    assert "明年科技经费预算多少" in complaint.excerpt
    [item] = ratings.rectifications("open")
    assert item.ticket_id == complaint.id


def test_votes_belong_to_the_session_and_a_new_vote_replaces(db, ratings: RatingService) -> None:  # type: ignore[no-untyped-def]
    sessions = db[0]

    def votes() -> list[tuple[int, str, bool]]:
        with sessions() as session:
            return [(v.turn_id, v.session_id, v.helpful)
                    for v in session.scalars(select(AnswerVote).order_by(AnswerVote.id))]

    turn = say(sessions, "web-vote", "高企 网上能办不")
    ratings.vote("web-vote", turn, helpful=True)
    assert votes() == [(turn, "web-vote", True)]
    ratings.vote("web-vote", turn, helpful=False)
    assert votes() == [(turn, "web-vote", False)]  # replaced, not added
    with pytest.raises(RatingRefused):
        ratings.vote("web-someone-else", turn, helpful=True)
    assert votes() == [(turn, "web-vote", False)]  # another session's vote changes nothing


def test_rating_levels_are_validated(ratings: RatingService) -> None:
    with pytest.raises(RatingRefused, match="1–5"):
        ratings.rate("web-1", 6)


