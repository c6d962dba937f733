"""Where problems come from: declined or misunderstood questions, answers voted not
helpful, poor ratings and overdue tickets — each turned into a :class:`ProblemItem` with a
stable key, so a resolution recorded against the key outlives any regrouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.conversations.models import ChatTurn
from hotline.tickets.lifecycle import OPEN_STATUSES
from hotline.tickets.models import AnswerVote, Rating, Ticket
from hotline.tickets.ratings import POOR_AT_MOST, RATING_LABELS
from hotline.tickets.service import is_overdue


class ProblemKind(StrEnum):
    """What went wrong."""

    DECLINED = "declined"  # the assistant declined (knowledge base does not cover it)
    FALLBACK = "fallback"  # NLU did not understand and nothing answered it
    NOT_HELPFUL = "not_helpful"  # an answer the enterprise voted not helpful
    POOR_RATING = "poor_rating"  # 不满意 / 非常不满意
    OVERDUE = "overdue"  # an open ticket past its contact or solution deadline


KIND_LABELS: dict[str, str] = {
    ProblemKind.DECLINED: "未能回答", ProblemKind.FALLBACK: "未能理解",
    ProblemKind.NOT_HELPFUL: "回答无帮助", ProblemKind.POOR_RATING: "差评",
    ProblemKind.OVERDUE: "工单超时",
}

# Turn outcomes that are a reply in their own right; an nlu_fallback turn with any other
# outcome (e.g. "dialogue": Rasa had nothing to say) is a question nobody answered.
_REPLIED = ("answered", "declined", "referred", "liaison", "registry", "smalltalk", "handoff",
            "status", "rated")
TEXT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ProblemItem:
    """One thing that went wrong, as the problem list shows it."""

    key: str  # turn:<id> | vote:<id> | rating:<id> | ticket:<id>
    kind: ProblemKind
    text: str
    occurred_at: datetime  # when it went wrong (for an overdue ticket: the missed deadline)
    session_id: str | None = None
    ticket_id: str | None = None
    detail: str = ""  # a short Chinese note for staff, e.g. 评价：不满意


def collect(session: Session, now: datetime, since: datetime | None = None) -> list[ProblemItem]:
    """Every current problem item (resolved or not), oldest first, ties by key."""
    items = [*_turns(session, since), *_votes(session, since), *_ratings(session, since),
             *_overdue(session, now, since)]
    return sorted(items, key=lambda item: (item.occurred_at, item.key))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"


def _turns(session: Session, since: datetime | None) -> list[ProblemItem]:
    query = select(ChatTurn).where(or_(
        ChatTurn.outcome == "declined",
        (ChatTurn.intent == "nlu_fallback") & ChatTurn.outcome.not_in(_REPLIED)))
    if since is not None:
        query = query.where(ChatTurn.created_at >= since)
    items = []
    for turn in session.scalars(query):
        if not turn.text.strip() or turn.text.startswith("/"):  # button payloads
            continue
        kind = ProblemKind.DECLINED if turn.outcome == "declined" else ProblemKind.FALLBACK
        items.append(ProblemItem(f"turn:{turn.id}", kind, _clip(turn.text), turn.created_at,
                                 session_id=turn.session_id))
    return items


def _votes(session: Session, since: datetime | None) -> list[ProblemItem]:
    query = (select(AnswerVote, ChatTurn).join(ChatTurn, ChatTurn.id == AnswerVote.turn_id)
             .where(AnswerVote.helpful.is_(False)))
    if since is not None:
        query = query.where(AnswerVote.created_at >= since)
    items = []
    for vote, turn in session.execute(query):
        cited = f"，引用：{turn.top_section}" if turn.top_section else ""
        items.append(ProblemItem(f"vote:{vote.id}", ProblemKind.NOT_HELPFUL, _clip(turn.text),
                                 vote.created_at, session_id=vote.session_id,
                                 detail=f"企业认为回答没有帮助{cited}"))
    return items


def _ratings(session: Session, since: datetime | None) -> list[ProblemItem]:
    query = select(Rating).where(Rating.level <= POOR_AT_MOST)
    if since is not None:
        query = query.where(Rating.created_at >= since)
    items = []
    for rating in session.scalars(query):
        text = rating.comment.strip() or _rated_text(session, rating)
        items.append(ProblemItem(f"rating:{rating.id}", ProblemKind.POOR_RATING, _clip(text),
                                 rating.created_at, session_id=rating.session_id,
                                 ticket_id=rating.ticket_id,
                                 detail=f"评价：{RATING_LABELS.get(rating.level, rating.level)}"))
    return items


def _rated_text(session: Session, rating: Rating) -> str:
    """Without a comment: the ticket's question, or the last question of the conversation."""
    if rating.ticket_id:
        ticket = session.get(Ticket, rating.ticket_id)
        if ticket is not None:
            return ticket.question
    if rating.subject.startswith("chat:"):
        turn_id = rating.subject.rsplit(":", 1)[-1]
        turn = session.get(ChatTurn, int(turn_id)) if turn_id.isdigit() else None
        if turn is not None:
            return turn.text
    return "（未留评价意见）"


def _overdue(session: Session, now: datetime, since: datetime | None) -> list[ProblemItem]:
    query = select(Ticket).where(
        Ticket.status.in_([status.value for status in OPEN_STATUSES]),
        or_(Ticket.due_at < now, Ticket.contacted_at.is_(None) & (Ticket.contact_due_at < now)))
    items = []
    for ticket in session.scalars(query):
        if not is_overdue(ticket, now):
            continue
        missed = [(ticket.contact_due_at, "首次联系时限")] if (
            ticket.contacted_at is None and now > ticket.contact_due_at) else []
        if now > ticket.due_at:
            missed.append((ticket.due_at, "解决时限"))
        occurred, which = min(missed)
        if since is not None and occurred < since:
            continue
        items.append(ProblemItem(f"ticket:{ticket.id}", ProblemKind.OVERDUE,
                                 _clip(ticket.question), occurred, session_id=ticket.session_id,
                                 ticket_id=ticket.id,
                                 detail=f"工单{ticket.id}超过{which}，当前负责人：{ticket.owner}"))
    return items
