"""好差评: one rating per interaction (一次一评) and per matter (一事一评), 整改 for poor ones.

A ticket's rating is stored with the ticket's ``rate`` step in one transaction; the unique
``subject`` column makes a second rating of the same ticket or conversation fail, even when
two arrive at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.models import ChatTurn
from hotline.db import read_sessions, retry_locked
from hotline.tickets.lifecycle import Status
from hotline.tickets.models import AnswerVote, CallBack, Rating, Rectification, Ticket
from hotline.tickets.service import HOTLINE_SUPERVISOR, NewTicket, TicketService

RATING_LABELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意",
                                 1: "非常不满意"}
POOR_AT_MOST = 2  # 不满意 or worse opens a rectification
NOT_AN_INTERACTION = ("greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge",
                      "rate_service")


class RatingRefused(ValueError):
    """The rating cannot be taken; ``reason`` is a sentence for the enterprise."""

    def __init__(self, reason: str, already: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.already = already


@dataclass(frozen=True, slots=True)
class RatingResult:
    """The stored rating and what it set off."""

    rating_id: int
    level: int
    label: str
    ticket_id: str | None
    rectification_id: int | None
    complaint_ticket_id: str | None


def rating_choices(ticket_id: str | None) -> list[tuple[str, str]]:
    """(title, payload) of the five rating buttons; the payload carries the level and the
    ticket when rating one, in Rasa's ``/intent{entities}`` form (the degraded path reads
    it too)."""
    extra = f',"ticket_id":"{ticket_id}"' if ticket_id else ""
    return [(label, f'/rate_service{{"rating":"{value}"{extra}}}')
            for value, label in RATING_LABELS.items()]


def rating_levels() -> list[dict[str, int | str]]:
    """The five levels, best first (for buttons and the widget)."""
    return [{"value": value, "label": label} for value, label in RATING_LABELS.items()]


class RatingService:
    """Takes ratings and votes; opens rectifications."""

    def __init__(self, sessions: sessionmaker[Session], tickets: TicketService) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self._tickets = tickets

    def rate(self, session_id: str, level: int, comment: str = "",
             ticket_id: str | None = None, channel: str = "web") -> RatingResult:
        """Rate a resolved ticket of this enterprise, or this conversation when no ticket."""
        if level not in RATING_LABELS:
            raise RatingRefused("评价请选择 1–5 级：5 非常满意 … 1 非常不满意")
        comment = comment.strip()[:500]
        if ticket_id:
            return self._rate_ticket(session_id, level, comment, ticket_id, channel)
        return self._rate_conversation(session_id, level, comment, channel)

    def pending_ticket(self, session_id: str) -> Ticket | None:
        """The enterprise's latest resolved ticket that still waits for a rating."""
        for ticket in self._tickets.for_identity(session_id):
            if ticket.status == Status.RESOLVED:
                return ticket
        return None

    def conversation_rated(self, session_id: str) -> bool:
        """Whether the conversation so far has been rated (nothing new since the rating)."""
        subject = self._conversation_subject(session_id)
        if subject is None:
            return True  # nothing to rate yet
        with self._reads() as session:
            return session.scalar(select(Rating.id).where(Rating.subject == subject)) is not None

    # -- ticket ------------------------------------------------------------------------------
    @retry_locked  # one transaction: the rating, the ticket's step and its notice
    def _rate_ticket(self, session_id: str, level: int, comment: str, ticket_id: str,
                     channel: str) -> RatingResult:
        mine = {t.id for t in self._tickets.for_identity(session_id, limit=100)}
        if ticket_id not in mine:
            raise RatingRefused("没有找到您名下的这张工单，请核对工单号。")
        try:
            with self._sessions.begin() as session:
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    raise RatingRefused("没有找到这张工单。")
                if ticket.status in (Status.RATED, Status.CLOSED) and session.scalar(
                        select(Rating.id).where(Rating.subject == f"ticket:{ticket_id}")):
                    raise RatingRefused("这张工单您已经评价过了，感谢您的反馈。", already=True)
                if ticket.status != Status.RESOLVED:
                    raise RatingRefused("工单办结后才能评价，办结时我们会提醒您。")
                rating = Rating(subject=f"ticket:{ticket_id}", session_id=session_id,
                                ticket_id=ticket_id, channel=channel, level=level,
                                comment=comment)
                session.add(rating)
                session.flush()
                ticket, _event = self._tickets.apply(
                    session, ticket_id, "rate", "企业",
                    note=f"{RATING_LABELS[level]}{'：' + comment if comment else ''}")
                rectification = self._rectify(session, rating, ticket.leader or
                                              HOTLINE_SUPERVISOR, ticket_id)
        except IntegrityError as exc:
            raise RatingRefused("这张工单您已经评价过了，感谢您的反馈。", already=True) from exc
        return RatingResult(rating.id, level, RATING_LABELS[level], ticket_id,
                            rectification.id if rectification else None, None)

    # -- conversation ------------------------------------------------------------------------
    def _conversation_subject(self, session_id: str) -> str | None:
        """The interaction to rate: up to the session's latest substantive turn (small talk,
        farewells and the rating itself do not start a new interaction)."""
        with self._reads() as session:
            last = session.scalar(select(func.max(ChatTurn.id)).where(
                ChatTurn.session_id == session_id,
                ChatTurn.intent.is_(None) | ChatTurn.intent.not_in(NOT_AN_INTERACTION)))
        return None if last is None else f"chat:{session_id}:{last}"

    def _rate_conversation(self, session_id: str, level: int, comment: str,
                           channel: str) -> RatingResult:
        subject = self._conversation_subject(session_id)
        if subject is None:
            raise RatingRefused("还没有可以评价的对话，先问我一个问题吧。")
        try:
            with self._sessions.begin() as session:
                rating = Rating(subject=subject, session_id=session_id, ticket_id=None,
                                channel=channel, level=level, comment=comment)
                session.add(rating)
                session.flush()
                rectification = self._rectify(session, rating, HOTLINE_SUPERVISOR, None)
        except IntegrityError as exc:
            raise RatingRefused("这次对话您已经评价过了，感谢您的反馈。", already=True) from exc
        complaint = None
        if rectification is not None:  # someone calls back about a poor conversation
            complaint = self._tickets.open(NewTicket(
                session_id=session_id, channel=channel, kind="complaint",
                question=f"企业对智能问答{RATING_LABELS[level]}"
                         f"{'：' + comment if comment else ''}",
                company=None, phone=None, district=None,
                excerpt=self._excerpt(session_id)))
            with self._sessions.begin() as session:
                session.get(Rectification, rectification.id).ticket_id = complaint.id  # type: ignore[union-attr]
        return RatingResult(rating.id, level, RATING_LABELS[level], None,
                            rectification.id if rectification else None,
                            complaint.id if complaint else None)

    def _excerpt(self, session_id: str, turns: int = 6) -> str:
        with self._reads() as session:
            rows = session.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id)
                                   .order_by(ChatTurn.id.desc()).limit(turns)).all()
        return "\n".join(f"企业：{row.text}" for row in reversed(rows))

    def _rectify(self, session, rating: Rating, owner: str,  # type: ignore[no-untyped-def]
                 ticket_id: str | None) -> Rectification | None:
        if rating.level > POOR_AT_MOST:
            return None
        now = self._tickets.clock()
        rectification = Rectification(
            rating_id=rating.id, ticket_id=ticket_id, owner=owner, status="open",
            due_at=self._tickets.deadlines.rectification_due(now), created_at=now)
        session.add(rectification)
        session.flush()
        return rectification

    # -- rectification work ------------------------------------------------------------------
    def record_callback(self, rectification_id: int, staff: str, satisfied: bool,
                        note: str = "") -> CallBack:
        """Record a 回访 call to the enterprise."""
        with self._sessions.begin() as session:
            if session.get(Rectification, rectification_id) is None:
                raise LookupError(rectification_id)
            callback = CallBack(rectification_id=rectification_id, staff=staff,
                                satisfied=satisfied, note=note.strip())
            session.add(callback)
        return callback

    def close_rectification(self, rectification_id: int, staff: str, outcome: str) -> Rectification:
        """Close a rectification with what was done; it needs at least one call-back."""
        if not outcome.strip():
            raise ValueError("整改结果不能为空")
        with self._sessions.begin() as session:
            item = session.get(Rectification, rectification_id, with_for_update=True)
            if item is None:
                raise LookupError(rectification_id)
            if item.status == "done":
                raise ValueError("该整改事项已办结")
            if not session.scalar(select(CallBack.id).where(
                    CallBack.rectification_id == rectification_id)):
                raise ValueError("办结整改前需先回访企业")
            item.status, item.outcome = "done", f"{outcome.strip()}（{staff}）"
            item.closed_at = self._tickets.clock()
        return item

    def rectifications(self, status: str | None = None) -> list[Rectification]:
        """Rectification items, most urgent first."""
        query = select(Rectification).order_by(Rectification.due_at)
        if status:
            query = query.where(Rectification.status == status)
        with self._reads() as session:
            return list(session.scalars(query).all())

    # -- votes -------------------------------------------------------------------------------
    @retry_locked
    def vote(self, session_id: str, turn_id: int, helpful: bool) -> None:
        """A helpful / not-helpful vote on one of this session's turns (a new vote replaces)."""
        with self._sessions.begin() as session:
            turn = session.get(ChatTurn, turn_id)
            if turn is None or turn.session_id != session_id:
                raise RatingRefused("没有找到这条回答。")
            vote = session.scalar(select(AnswerVote).where(AnswerVote.turn_id == turn_id))
            if vote is None:
                session.add(AnswerVote(turn_id=turn_id, session_id=session_id, helpful=helpful))
            else:
                vote.helpful = helpful

