"""Where problems come from: declined or misunderstood questions, answers voted not
helpful, poor ratings and overdue tickets — each turned into a :class:`ProblemItem` with a
stable key, so a resolution recorded against the key outlives any regrouping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Select, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.conversations.kinds import FALLBACK_INTENT, REPLIED, problem_kind
from hotline.conversations.models import ChatTurn
from hotline.problems.models import ProblemResolution
from hotline.reports.models import DailyCount
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

TEXT_LIMIT = 500
AnyRow = Row[*tuple[Any, ...]]
_KEY_BATCH = 500  # keys per IN (…) query


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
    """Every current problem item (resolved or not), oldest first, ties by key.

    A full scan of the sources: the reference :func:`collect_open` is checked against.
    """
    items: list[ProblemItem] = []
    for source in _sources(session):
        query = source.query if since is None else source.query.where(source.at >= since)
        items.extend(item for item in source.items(session.execute(query).all()) if item)
    items.extend(_overdue(session, now, since))
    return sorted(items, key=lambda item: (item.occurred_at, item.key))


def collect_open(session: Session, now: datetime, limit: int,
                 page: int = 500) -> list[ProblemItem]:
    """The newest ``limit`` unresolved items, oldest first, ties by key: the same as the tail
    of :func:`collect` without the resolved ones, in bounded work.

    Each source is read newest first through its time index, ``page`` rows at a time, with
    resolved items left out by the database, and stops after ``limit`` items; open tickets
    are few (they are handled or escalated) and are read whole.
    """
    items: list[ProblemItem] = []
    for source in _sources(session):
        items.extend(_newest(session, source, limit, page))
    overdue = _overdue(session, now, None)
    resolved = _resolved_among(session, [item.key for item in overdue])
    items.extend(item for item in overdue if item.key not in resolved)
    items.sort(key=lambda item: (item.occurred_at, item.key))
    return items[-limit:] if limit > 0 else []


def count_open(session: Session, now: datetime) -> dict[str, int]:
    """Open items per kind, over the whole history, from the daily counts (O(days) rows):
    the problem list shows the newest items only, and says how many there are in all.

    Turns, votes and ratings are counted as they are logged (:mod:`hotline.reports.rollups`)
    less the resolved ones; overdue tickets are counted as they are now. (A vote resolved
    as not helpful and later changed to helpful still counts as resolved.)
    """
    poor = [str(level) for level in range(1, POOR_AT_MOST + 1)]
    logged = session.execute(select(DailyCount.metric, DailyCount.label,
                                    func.sum(DailyCount.value)).where(or_(
        DailyCount.metric == "problems",
        and_(DailyCount.metric == "votes", DailyCount.label == "not_helpful"),
        and_(DailyCount.metric == "ratings", DailyCount.label.in_(poor))))
        .group_by(DailyCount.metric, DailyCount.label))
    as_kind = {"votes": str(ProblemKind.NOT_HELPFUL), "ratings": str(ProblemKind.POOR_RATING)}
    counts: Counter[str] = Counter()
    for metric, label, number in logged:
        counts[as_kind.get(metric, label)] += int(number or 0)
    resolved = session.execute(select(ProblemResolution.kind, func.count()).where(
        ProblemResolution.kind != str(ProblemKind.OVERDUE)).group_by(ProblemResolution.kind))
    for resolved_kind, number in resolved:
        counts[resolved_kind] = max(0, counts[resolved_kind] - int(number))
    overdue = _overdue(session, now, None)
    done = _resolved_among(session, [item.key for item in overdue])
    counts[str(ProblemKind.OVERDUE)] = sum(item.key not in done for item in overdue)
    return {str(k): counts[str(k)] for k in ProblemKind}


@dataclass(frozen=True, slots=True)
class _Source:
    """One table's problem rows: the query (columns, not ORM objects: cheaper to read), its
    time and id columns, and the items of a page of rows (None for a row that is none)."""

    prefix: str  # the key's prefix: turn | vote | rating
    query: Select[*tuple[Any, ...]]
    at: InstrumentedAttribute[datetime]
    id: InstrumentedAttribute[int]
    items: Callable[[Sequence[AnyRow]], list[ProblemItem | None]]


def _sources(session: Session) -> list[_Source]:
    turns = select(ChatTurn.id, ChatTurn.session_id, ChatTurn.text, ChatTurn.intent,
                   ChatTurn.outcome, ChatTurn.created_at)
    declined = turns.where(ChatTurn.outcome == "declined")
    fallback = turns.where(ChatTurn.intent == FALLBACK_INTENT, ChatTurn.outcome.not_in(REPLIED))
    votes = (select(AnswerVote.id, AnswerVote.session_id, AnswerVote.created_at, ChatTurn.text,
                    ChatTurn.top_section)
             .join(ChatTurn, ChatTurn.id == AnswerVote.turn_id)
             .where(AnswerVote.helpful.is_(False)))
    ratings = select(Rating.id, Rating.subject, Rating.session_id, Rating.ticket_id,
                     Rating.channel, Rating.level, Rating.comment, Rating.created_at).where(
        Rating.level <= POOR_AT_MOST)
    return [_Source("turn", declined, ChatTurn.created_at, ChatTurn.id, _turn_items),
            _Source("turn", fallback, ChatTurn.created_at, ChatTurn.id, _turn_items),
            _Source("vote", votes, AnswerVote.created_at, AnswerVote.id, _vote_items),
            _Source("rating", ratings, Rating.created_at, Rating.id,
                    lambda rows: _rating_items(session, rows))]


def _newest(session: Session, source: _Source, limit: int, page: int) -> list[ProblemItem]:
    """Up to ``limit`` unresolved items of one source, newest first (keyset pages)."""
    key = literal(f"{source.prefix}:") + cast(source.id, String)
    query = (source.query.where(~exists().where(ProblemResolution.item_key == key))
             .order_by(source.at.desc(), source.id.desc()).limit(page))
    items: list[ProblemItem] = []
    after: tuple[datetime, int] | None = None
    while len(items) < limit:
        paged = query if after is None else query.where(or_(
            source.at < after[0], and_(source.at == after[0], source.id < after[1])))
        rows = session.execute(paged).all()
        items.extend(item for item in source.items(rows) if item is not None)
        if len(rows) < page:
            break
        after = (rows[-1].created_at, rows[-1].id)
    return items[:limit]


def _resolved_among(session: Session, keys: list[str]) -> set[str]:
    resolved: set[str] = set()
    for start in range(0, len(keys), _KEY_BATCH):
        resolved.update(session.scalars(select(ProblemResolution.item_key).where(
            ProblemResolution.item_key.in_(keys[start:start + _KEY_BATCH]))))
    return resolved


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"


def _turn_items(rows: Sequence[AnyRow]) -> list[ProblemItem | None]:
    return [ProblemItem(f"turn:{row.id}", ProblemKind(kind), _clip(row.text), row.created_at,
                        session_id=row.session_id)
            if (kind := problem_kind(row.intent, row.outcome, row.text)) else None
            for row in rows]


def _vote_items(rows: Sequence[AnyRow]) -> list[ProblemItem | None]:
    return [ProblemItem(f"vote:{row.id}", ProblemKind.NOT_HELPFUL, _clip(row.text),
                        row.created_at, session_id=row.session_id,
                        detail="企业认为回答没有帮助" +
                        (f"，引用：{row.top_section}" if row.top_section else ""))
            for row in rows]


def _rating_items(session: Session, rows: Sequence[AnyRow]) -> list[ProblemItem | None]:
    rated = _rated_texts(session, [row for row in rows if not row.comment.strip()])
    return [ProblemItem(f"rating:{row.id}", ProblemKind.POOR_RATING,
                        _clip(row.comment.strip() or rated[row.id]), row.created_at,
                        session_id=row.session_id, ticket_id=row.ticket_id,
                        detail=f"评价：{RATING_LABELS.get(row.level, row.level)}")
            for row in rows]


def _rated_texts(session: Session, rows: Sequence[AnyRow]) -> dict[int, str]:
    """Ratings without a comment: the ticket's question, or the last question of the
    conversation (two queries for the page)."""
    ticket_ids = {row.ticket_id for row in rows if row.ticket_id}
    turn_ids = {int(part) for row in rows if row.subject.startswith("chat:")
                and (part := row.subject.rsplit(":", 1)[-1]).isdigit()}
    questions = dict(session.execute(select(Ticket.id, Ticket.question).where(
        Ticket.id.in_(ticket_ids))).tuples().all()) if ticket_ids else {}
    texts = dict(session.execute(select(ChatTurn.id, ChatTurn.text).where(
        ChatTurn.id.in_(turn_ids))).tuples().all()) if turn_ids else {}
    out = {}
    for row in rows:
        turn_id = row.subject.rsplit(":", 1)[-1] if row.subject.startswith("chat:") else ""
        out[row.id] = questions.get(row.ticket_id) or (
            texts.get(int(turn_id)) if turn_id.isdigit() else None) or "（未留评价意见）"
    return out


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
