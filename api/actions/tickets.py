"""action_create_ticket: hand the question to the district's liaison after the form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import PAYLOAD_KEY
from api.db import Ticket
from api.services.runtime import Runtime
from api.services.tickets import BEIJING, NewTicket, create_ticket

# Messages that are about the handoff itself, not the enterprise's question.
_NOT_A_QUESTION = {"request_human", "provide_info", "affirm", "deny", "greet", "thanks",
                   "goodbye", "bot_challenge", "ask_ticket_status", "rate_service"}


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


def handoff_payload(ticket: Ticket) -> dict[str, Any]:
    """The contract's ``handoff`` object for a ticket."""
    return {"ticket_id": ticket.id, "district": ticket.district, "leader": ticket.leader,
            "department": ticket.department, "contact": ticket.contact,
            "status": ticket.status, "due_at": ticket.due_at.isoformat()}


class ActionCreateTicket(Action):
    """Create the ticket from the form's slots and tell the enterprise who owns it."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        channel = ((tracker.latest_message or {}).get("metadata") or {}).get("channel", "web")
        new = NewTicket(session_id=tracker.sender_id, channel=str(channel),
                        question=question_of(tracker), company=tracker.get_slot("company"),
                        phone=tracker.get_slot("phone"), district=tracker.get_slot("district"))
        ticket = await run_in_threadpool(create_ticket, self._runtime.sessions,
                                         self._runtime.knowledge.directory, new)
        due = ticket.due_at.astimezone(BEIJING)
        if ticket.contact:
            text = (f"已为您转人工，工单号 {ticket.id}。{ticket.district}的包区联系人"
                    f"{ticket.contact}（{ticket.department}，责任领导{ticket.leader}）负责跟进，"
                    f"将在 {due:%m月%d日} 前给您答复，期间会通过 {ticket.phone} 联系您。")
        else:
            text = (f"已为您转人工，工单号 {ticket.id}。热线工作人员会先确认您所在的区，"
                    f"再交给对应的包区联系人，{due:%m月%d日} 前给您答复。")
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": "request_human", "outcome": "handoff", "answer": None,
            "handoff": handoff_payload(ticket)}})
        return [SlotSet("district", None), SlotSet("company", None), SlotSet("phone", None),
                SlotSet("handoff_error", None)]
