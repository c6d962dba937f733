"""Ticket actions: create after the handoff form, report status, take and ask for ratings."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.base import RuntimeAction, channel_of, latest_text
from api.actions.payloads import utter_turn
from assistant import intent_rules
from assistant.choices import as_rasa, human_button, rating_buttons
from assistant.payloads import PAYLOAD_KEY
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
    rating_levels,
)
from hotline.tickets.service import NewTicket
from hotline.tickets.views import handoff_payload, ticket_card

# Messages that are about the handoff itself, not the enterprise's question.
_NOT_A_QUESTION = {"request_human", "provide_info", "affirm", "deny", "greet", "thanks",
                   "goodbye", "bot_challenge", "ask_ticket_status", "rate_service"}
EXCERPT_TURNS = 8


def question_of(tracker: Tracker) -> str:
    """The enterprise's latest real question before it asked for a person."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/") and intent not in _NOT_A_QUESTION:
            return text
    return "（企业要求人工服务，未说明具体问题）"


def excerpt_of(tracker: Tracker) -> str:
    """The last few exchanges, for whoever picks the ticket up."""
    lines = []
    for event in tracker.events:
        text = (event.get("text") or "").strip()
        if event.get("event") == "user" and text and not text.startswith("/"):
            lines.append(f"企业：{text}")
        elif event.get("event") == "bot" and text:
            lines.append(f"店小二：{text}")
    return "\n".join(lines[-EXCERPT_TURNS * 2:])


def _rating_buttons(ticket_id: str | None) -> list[dict[str, str]]:
    return as_rasa(rating_buttons(ticket_id))


class ActionCreateTicket(RuntimeAction):
    """Create the ticket from the form's slots and tell the enterprise who owns it."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        new = NewTicket(session_id=tracker.sender_id, channel=channel_of(tracker),
                        question=question_of(tracker), company=tracker.get_slot("company"),
                        phone=tracker.get_slot("phone"), district=tracker.get_slot("district"),
                        excerpt=excerpt_of(tracker))
        reset = [SlotSet("district", None), SlotSet("company", None), SlotSet("phone", None),
                 SlotSet("handoff_error", None)]
        if not self._runtime.throttle.allows("ticket.session", tracker.sender_id):
            dispatcher.utter_message(text=TOO_MANY_TICKETS)
            return reset
        ticket = await run_in_threadpool(self._runtime.tickets.open, new)
        closed = self._runtime.appointments.after_hours(self._runtime.tickets.clock())
        dispatcher.utter_message(text=handoff_text(ticket, closed.message))
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "request_human", "outcome": "handoff", "answer": None,
            "handoff": handoff_payload(ticket),
            "tickets": [ticket_card(ticket, self._runtime.tickets.clock())]}})
        return reset


class ActionTicketStatus(RuntimeAction):
    """我的工单进度: the enterprise's tickets with status, owner and deadline."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        asked = tracker.get_slot("ticket_id")
        text = latest_text(tracker)
        if not asked and not intent_rules.mentions_tickets(text):  # "我的高企申请到哪一步了" is a question
            answered = await run_in_threadpool(self._runtime.assistant().answer_first, text,
                                               "ask_ticket_status")
            if answered is not None:
                utter_turn(dispatcher, answered)
                return []
        tickets = await run_in_threadpool(self._runtime.tickets.for_identity, tracker.sender_id)  # "DXE…-… 进度咋样": only that one, if it is theirs
        if asked and any(t.id == asked for t in tickets):
            tickets = [t for t in tickets if t.id == asked]
        now = self._runtime.tickets.clock()
        cards = [ticket_card(ticket, now) for ticket in tickets]
        if not cards:
            dispatcher.utter_message(text=NO_TICKETS,
                                     buttons=as_rasa([human_button()]))
        else:
            dispatcher.utter_message(text=status_text(tickets, now))
        rating = None
        pending = next((t for t in tickets if t.status == "resolved"), None)
        if pending is not None:
            dispatcher.utter_message(text=rating_prompt(pending.id),
                                     buttons=_rating_buttons(pending.id))
            rating = {"ticket_id": pending.id, "levels": rating_levels()}
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "ask_ticket_status", "outcome": "status", "answer": None,
            "tickets": cards, "rating": rating}})
        return [SlotSet("ticket_id", None)]


class ActionRateService(RuntimeAction):
    """Take a 5-level rating for a resolved ticket, else for this conversation."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        level = _level(tracker.get_slot("rating"))
        reset = [SlotSet("rating", None), SlotSet("ticket_id", None)]
        if level is None:  # "好差评怎么评" asks how to rate: answer it when the KB knows
            text = latest_text(tracker)
            answered = await run_in_threadpool(self._runtime.assistant().answer_first, text,
                                               "rate_service")
            if answered is not None:
                utter_turn(dispatcher, answered)
                return reset
            dispatcher.utter_message(text="请选择一个评价：", buttons=_rating_buttons(None))
            return reset
        ratings = self._runtime.ratings
        ticket_id = tracker.get_slot("ticket_id")
        if not ticket_id:
            pending = await run_in_threadpool(ratings.pending_ticket, tracker.sender_id)
            ticket_id = pending.id if pending else None
        comment = latest_text(tracker)
        comment = "" if comment.startswith("/") or len(comment) <= 6 else comment
        try:
            result = await run_in_threadpool(ratings.rate, tracker.sender_id, level, comment,
                                             ticket_id, channel_of(tracker))
        except RatingRefused as refused:
            dispatcher.utter_message(text=refused.reason)
            return reset
        dispatcher.utter_message(text=rating_thanks(result))
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "rate_service", "outcome": "rated", "answer": None}})
        return reset


def _level(value: Any) -> int | None:
    try:
        level = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return level if level in RATING_LABELS else None


class ActionAskRating(RuntimeAction):
    """At the end of a conversation: ask for a rating, unless already given (一次一评)."""

    def name(self) -> str:
        return "action_ask_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        ratings = self._runtime.ratings
        pending = await run_in_threadpool(ratings.pending_ticket, tracker.sender_id)
        if pending is not None:
            ticket_id: str | None = pending.id
        elif await run_in_threadpool(ratings.conversation_rated, tracker.sender_id):
            return []
        else:
            ticket_id = None
        dispatcher.utter_message(text=rating_prompt(ticket_id), buttons=_rating_buttons(ticket_id))
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "rating": {"ticket_id": ticket_id, "levels": rating_levels()}}})
        return []
