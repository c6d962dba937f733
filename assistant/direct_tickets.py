"""Tickets without the dialogue server: handoff, status and ratings in degraded mode.

Rasa normally runs the handoff form. When it is down, this keeps the promise that a request
for a person still becomes a ticket: the state between turns is the conversation log (the
previous turn's outcome ``handoff_pending``), so nothing else needs to be remembered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

from assistant import intent_rules
from assistant.choices import human_button, rating_buttons
from assistant.contact_info import find_company, normalize_phone
from assistant.shapes import DialogueTurn, Handoff, RatingPrompt, Reply, TicketCard
from hotline.appointments.after_hours import AfterHours
from hotline.conversations.log import ConversationLog
from hotline.security.throttle import Throttle
from hotline.tickets.messages import (
    NO_TICKETS,
    TOO_MANY_TICKETS,
    handoff_text,
    rating_prompt,
    rating_thanks,
    status_text,
)
from hotline.tickets.ratings import (
    RATING_LABELS,
    RatingRefused,
    RatingService,
    rating_levels,
)
from hotline.tickets.service import NewTicket, TicketService
from hotline.tickets.views import handoff_payload, ticket_card
from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

PENDING = "handoff_pending"
_STATUS = re.compile(r"(工单|反映的问题|提交的问题|转人工的).{0,8}(进度|状态|到哪|怎么样|咋样|处理|办)|"
                     r"(查|看)一?下?(我的)?工单|我的工单")
_RATE_PAYLOAD = re.compile(r"^/rate_service(\{.*\})$")
_RATING_WORDS = {label: level for level, label in RATING_LABELS.items()}
_QUESTION_OUTCOMES = {"answered", "declined", "referred", "liaison"}


class DirectTickets:
    """Recognises ticket business in a message; None means "not mine, answer normally"."""

    def __init__(self, tickets: TicketService, ratings: RatingService, log: ConversationLog,
                 directory: LiaisonDirectory, throttle: Throttle | None = None,
                 after_hours: Callable[[datetime], AfterHours] | None = None) -> None:
        self.throttle = throttle or Throttle(enabled=False)
        self.after_hours = after_hours  # 延时服务: the call-back day outside office hours
        self.tickets = tickets
        self.ratings = ratings
        self.log = log
        self.directory = directory

    def respond(self, session_id: str, channel: str, text: str) -> DialogueTurn | None:
        """The turn for ticket business in ``text``, or None."""
        if (rating := self._rating_in(text)) is not None:
            return self._rate(session_id, channel, *rating)
        if _STATUS.search(normalize_text(text)):
            return self._status(session_id)
        history = self.log.recent(session_id)
        pending = bool(history) and history[-1].outcome == PENDING
        if intent_rules.requests_person(text, self.directory) or \
                (pending and self._looks_like_contact(text)):
            return self._handoff(session_id, channel, text, history)
        return None

    # -- handoff ---------------------------------------------------------------------------
    def _after_hours_note(self) -> str | None:
        if self.after_hours is None:
            return None
        return self.after_hours(self.tickets.clock()).message

    def _looks_like_contact(self, text: str) -> bool:
        return bool(normalize_phone(text) or find_company(text)
                    or self.directory.find_in_text(text))

    def _handoff(self, session_id: str, channel: str, text: str, history: list) -> DialogueTurn:  # type: ignore[type-arg]
        pending_texts = []
        for turn in reversed(history):  # this handoff's earlier messages
            if turn.outcome != PENDING:
                break
            pending_texts.insert(0, turn.text)
        said = [*pending_texts, text]
        joined = "，".join(said)
        liaison = self.directory.find_in_text(joined)
        phone = next((p for p in map(normalize_phone, reversed(said)) if p), None)
        company = next((c for c in map(find_company, reversed(said)) if c), None)
        if phone is None:
            missing = "企业名称和联系电话" if company is None else "联系电话"
            where = "" if liaison else "，以及企业所在的区（如“光谷”“江夏”）"
            return DialogueTurn(
                replies=[Reply(text=f"好的，我来帮您转人工。请留下{missing}{where}，"
                                    "例如：武汉星河科技有限公司，13912345678，光谷。")],
                intent="request_human", outcome=PENDING)
        question = next((t.text for t in reversed(history) if t.outcome in _QUESTION_OUTCOMES),
                        "（企业要求人工服务，未说明具体问题）")
        excerpt = "\n".join(f"企业：{t.text}" for t in history[-8:])
        if not self.throttle.allows("ticket.session", session_id):
            return DialogueTurn(replies=[Reply(text=TOO_MANY_TICKETS)], intent="request_human",
                                outcome="dialogue")
        ticket = self.tickets.open(NewTicket(
            session_id=session_id, channel=channel, question=question, company=company,
            phone=phone, district=liaison.district if liaison else None,
            excerpt=f"{excerpt}\n企业：{text}".strip()))
        return DialogueTurn(
            replies=[Reply(text=handoff_text(ticket, self._after_hours_note()))],
            intent="request_human", outcome="handoff",
            handoff=Handoff(**handoff_payload(ticket)),
            tickets=[TicketCard(**ticket_card(ticket, self.tickets.clock()))])

    # -- status ----------------------------------------------------------------------------
    def _status(self, session_id: str) -> DialogueTurn:
        tickets = self.tickets.for_identity(session_id)
        now = self.tickets.clock()
        cards = [TicketCard(**ticket_card(t, now)) for t in tickets]
        if not cards:
            return DialogueTurn(
                replies=[Reply(text=NO_TICKETS,
                               buttons=[human_button()])],
                intent="ask_ticket_status", outcome="status")
        replies = [Reply(text=status_text(tickets, now))]
        rating = None
        pending = next((t for t in tickets if t.status == "resolved"), None)
        if pending is not None:
            replies.append(Reply(text=rating_prompt(pending.id),
                                 buttons=rating_buttons(pending.id)))
            rating = RatingPrompt(ticket_id=pending.id, levels=rating_levels())  # type: ignore[arg-type]
        return DialogueTurn(replies=replies, intent="ask_ticket_status", outcome="status",
                            tickets=cards, rating=rating)

    # -- rating ----------------------------------------------------------------------------
    @staticmethod
    def _rating_in(text: str) -> tuple[int, str | None] | None:
        match = _RATE_PAYLOAD.match(text.strip())
        if match:
            try:
                data = json.loads(match.group(1))
                return int(data["rating"]), (str(data["ticket_id"]) if data.get("ticket_id")
                                             else None)
            except (ValueError, KeyError, TypeError):
                return None
        level = _RATING_WORDS.get(text.strip().strip("。！!"))
        return (level, None) if level else None

    def _rate(self, session_id: str, channel: str, level: int,
              ticket_id: str | None) -> DialogueTurn:
        if ticket_id is None and (pending := self.ratings.pending_ticket(session_id)):
            ticket_id = pending.id
        try:
            result = self.ratings.rate(session_id, level, "", ticket_id, channel)
        except RatingRefused as refused:
            return DialogueTurn(replies=[Reply(text=refused.reason)], intent="rate_service",
                                outcome="rated")
        return DialogueTurn(replies=[Reply(text=rating_thanks(result))], intent="rate_service",
                            outcome="rated")
