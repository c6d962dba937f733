"""Ticket actions: create after the handoff form, report status, take and ask for ratings."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import PAYLOAD_KEY
from api.services.runtime import Runtime
from api.tickets.ratings import (
    RATING_LABELS,
    RatingRefused,
    due_label,
    rating_choices,
    rating_levels,
)
from api.tickets.service import NewTicket
from api.tickets.views import handoff_payload, ticket_card

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


def channel_of(tracker: Tracker) -> str:
    """The channel the latest message came from."""
    return str(((tracker.latest_message or {}).get("metadata") or {}).get("channel", "web"))


def rating_buttons(ticket_id: str | None) -> list[dict[str, str]]:
    """The five rating buttons as Rasa button dicts."""
    return [{"title": title, "payload": payload} for title, payload in rating_choices(ticket_id)]


class ActionCreateTicket(Action):
    """Create the ticket from the form's slots and tell the enterprise who owns it."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        new = NewTicket(session_id=tracker.sender_id, channel=channel_of(tracker),
                        question=question_of(tracker), company=tracker.get_slot("company"),
                        phone=tracker.get_slot("phone"), district=tracker.get_slot("district"),
                        excerpt=excerpt_of(tracker))
        ticket = await run_in_threadpool(self._runtime.tickets.open, new)
        due = due_label(ticket.due_at)
        if ticket.contact:
            text = (f"已为您转人工，工单号 {ticket.id}。{ticket.district}的包区联系人"
                    f"{ticket.contact}（{ticket.department}，责任领导{ticket.leader}）负责跟进，"
                    f"将在 {due} 前给您答复，期间会通过 {ticket.phone} 联系您。")
        else:
            text = (f"已为您转人工，工单号 {ticket.id}。热线工作人员会先确认您所在的区，"
                    f"再交给对应的包区联系人，{due} 前给您答复。")
        dispatcher.utter_message(text=text + "随时可以说“我的工单进度”查看办理情况。")
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "request_human", "outcome": "handoff", "answer": None,
            "handoff": handoff_payload(ticket),
            "tickets": [ticket_card(ticket, self._runtime.tickets.clock())]}})
        return [SlotSet("district", None), SlotSet("company", None), SlotSet("phone", None),
                SlotSet("handoff_error", None)]


class ActionTicketStatus(Action):
    """我的工单进度: the enterprise's tickets with status, owner and deadline."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        tickets = await run_in_threadpool(self._runtime.tickets.for_identity, tracker.sender_id)
        asked = tracker.get_slot("ticket_id")  # "DXE…-… 进度咋样": only that one, if it is theirs
        if asked and any(t.id == asked for t in tickets):
            tickets = [t for t in tickets if t.id == asked]
        now = self._runtime.tickets.clock()
        cards = [ticket_card(ticket, now) for ticket in tickets]
        if not cards:
            dispatcher.utter_message(
                text="您在这里还没有工单。遇到我答不了的问题，可以随时转人工，我会为您建工单并跟踪到底。",
                buttons=[{"title": "转人工", "payload": "/request_human"}])
        else:
            lines = [f"您有 {len(cards)} 张工单："]
            for card in cards:
                lines.append(f"· {card['ticket_id']}：{card['status_label']}，负责人"
                             f"{card['owner']}，{due_label_of(card)}")
            dispatcher.utter_message(text="\n".join(lines))
        rating = None
        pending = next((t for t in tickets if t.status == "resolved"), None)
        if pending is not None:
            dispatcher.utter_message(text=f"工单 {pending.id} 已办结，请为这次服务打个分：",
                                     buttons=rating_buttons(pending.id))
            rating = {"ticket_id": pending.id, "levels": rating_levels()}
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "ask_ticket_status", "outcome": "status", "answer": None,
            "tickets": cards, "rating": rating}})
        return [SlotSet("ticket_id", None)]


def due_label_of(card: dict[str, Any]) -> str:
    from datetime import datetime

    if card["status"] in ("resolved", "rated", "closed"):
        return "已办结"
    return f"答复时限 {due_label(datetime.fromisoformat(card['due_at']))}"


class ActionRateService(Action):
    """Take a 5-level rating for a resolved ticket, else for this conversation."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        level = _level(tracker.get_slot("rating"))
        reset = [SlotSet("rating", None), SlotSet("ticket_id", None)]
        if level is None:
            dispatcher.utter_message(text="请选择一个评价：", buttons=rating_buttons(None))
            return reset
        ratings = self._runtime.ratings
        ticket_id = tracker.get_slot("ticket_id")
        if not ticket_id:
            pending = await run_in_threadpool(ratings.pending_ticket, tracker.sender_id)
            ticket_id = pending.id if pending else None
        comment = (tracker.latest_message or {}).get("text") or ""
        comment = "" if comment.startswith("/") or len(comment) <= 6 else comment
        try:
            result = await run_in_threadpool(ratings.rate, tracker.sender_id, level, comment,
                                             ticket_id, channel_of(tracker))
        except RatingRefused as refused:
            dispatcher.utter_message(text=refused.reason)
            return reset
        if result.rectification_id is not None:
            text = (f"收到您的评价：{result.label}。很抱歉没让您满意，我们已登记整改事项，"
                    "15 个工作日内会有专人回访您。")
        else:
            text = f"收到您的评价：{result.label}，谢谢！您的评价会帮助我们改进服务。"
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "rate_service", "outcome": "rated", "answer": None}})
        return reset


def _level(value: Any) -> int | None:
    try:
        level = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return level if level in RATING_LABELS else None


class ActionAskRating(Action):
    """At the end of a conversation: ask for a rating, unless already given (一次一评)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_ask_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        ratings = self._runtime.ratings
        pending = await run_in_threadpool(ratings.pending_ticket, tracker.sender_id)
        if pending is not None:
            ticket_id: str | None = pending.id
            text = f"工单 {pending.id} 已办结，请为这次服务打个分："
        elif await run_in_threadpool(ratings.conversation_rated, tracker.sender_id):
            return []
        else:
            ticket_id, text = None, "方便的话，请为这次服务打个分："
        dispatcher.utter_message(text=text, buttons=rating_buttons(ticket_id))
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "rating": {"ticket_id": ticket_id, "levels": rating_levels()}}})
        return []
