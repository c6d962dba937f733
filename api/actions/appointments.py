"""Booking actions (预约服务): the gate before ``appointment_form``, its validation and its
questions with buttons, the booking itself, and 我的预约 / 改期 / 取消预约.

Every reply comes from :class:`assistant.appointments.BookingDesk`, which the direct path
uses too; bookings belong to ``tracker.sender_id`` — the verified session identity the
gateway sends (api/routes/chat.py), the one the tickets use — never to a typed name.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from starlette.concurrency import run_in_threadpool

from api.actions.base import RuntimeAction, channel_of, latest_intent, latest_text
from api.actions.payloads import utter_turn
from api.runtime import Runtime
from assistant.appointments import (
    ASK_ITEM,
    ASK_WHEN,
    BOOK,
    BOOK_CHOICE,
    CANCEL,
    INTENTS,
    LIST,
    RESCHEDULE,
    BookingDesk,
    DeskReply,
    booking_intent,
    clean_item,
    item_buttons,
    item_in,
)
from assistant.assistant import AssistantTurn
from assistant.booking_dates import read_when
from assistant.contact_info import clean_company, normalize_phone
from assistant.payloads import PAYLOAD_KEY

FORM = "appointment_form"
# what leaves the form instead of answering its question (rules in appointments.yml)
_EXIT_INTENTS = {"deny", CANCEL}
_ACTIONS = {BOOK: FORM, LIST: "action_list_appointments",
            RESCHEDULE: "action_reschedule_appointment", CANCEL: "action_cancel_appointment"}
_DONE = [SlotSet(name, None) for name in ("booking_item", "booking_when", "booking_slot",
                                          "booking_error", "company", "phone")]


def desk(runtime: Runtime) -> BookingDesk:
    return BookingDesk(runtime.appointments)


def booking_if_requested(text: str, intent: str | None) -> list[dict[str, Any]] | None:
    """Run the booking business a message asks for in words the direct path recognises
    ("我的预约", "改到周四上午") when NLU said something else."""
    asked = booking_intent(text)
    if asked is None or asked == intent:
        return None
    return [FollowupAction(_ACTIONS[asked])]


def entity(tracker: Tracker, name: str) -> str | None:
    """The latest message's value of an entity (a button's payload carries them)."""
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == name and found.get("value") not in (None, ""):
            return str(found["value"])[:200]
    return None


def utter_buttons(dispatcher: CollectingDispatcher, text: str,
                  buttons: list[tuple[str, str]]) -> None:
    dispatcher.utter_message(text=text, buttons=[{"title": t, "payload": p} for t, p in buttons])


def utter_reply(dispatcher: CollectingDispatcher, reply: DeskReply, intent: str) -> None:
    utter_buttons(dispatcher, reply.text, reply.buttons)
    dispatcher.utter_message(json_message={PAYLOAD_KEY: {
        "intent": intent, "outcome": reply.outcome, "answer": None}})


class ActionBookingGate(RuntimeAction):
    """book_appointment: an explicit request ("我要预约", a booking button) starts the form
    (slot ``booking_asked`` true); a question about booking ("可以先预约再去窗口吗") is
    answered from the knowledge base with the 在线预约 button (false)."""

    def name(self) -> str:
        return "action_booking_gate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        asked = booking_intent(text)
        if text.startswith("/") or asked == BOOK:
            return [SlotSet("booking_asked", True)]
        if asked is not None:  # "我的预约" read as a booking request
            return [SlotSet("booking_asked", False), FollowupAction(_ACTIONS[asked])]
        turn: AssistantTurn = await run_in_threadpool(self._runtime.assistant().policy, text)
        if BOOK_CHOICE not in turn.buttons:
            turn.buttons = [BOOK_CHOICE, *turn.buttons]
        utter_turn(dispatcher, turn)
        return [SlotSet("booking_asked", False)]


class ValidateAppointmentForm(FormValidationAction):
    """Reads and checks each answer of ``appointment_form``; a refusal sets
    ``booking_error`` (or ``handoff_error`` for company and phone, as the handoff form
    does), which the question asked again says first."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "validate_appointment_form"

    @staticmethod
    def _answering(tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot and \
            latest_intent(tracker) not in _EXIT_INTENTS and entity(tracker, "booking_slot") is None

    # -- extraction (every turn of the form, the activating one too) -------------------
    async def extract_booking_item(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value := entity(tracker, "booking_item"):
            return {"booking_item": value}
        text = latest_text(tracker)
        if self._answering(tracker, "booking_item"):
            return {"booking_item": clean_item(text) or text}
        if not tracker.get_slot("booking_item") and (found := item_in(text)):
            return {"booking_item": found}
        return {}

    async def extract_company(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if self._answering(tracker, "company"):
            return {"company": latest_text(tracker)}
        return {}

    async def extract_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        if self._answering(tracker, "phone"):
            return {"phone": latest_text(tracker)}
        if not tracker.get_slot("phone") and (found := normalize_phone(latest_text(tracker))):
            return {"phone": found}
        return {}

    async def extract_booking_when(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value := entity(tracker, "booking_when"):
            return {"booking_when": value}
        text = latest_text(tracker)
        if self._answering(tracker, "booking_when"):
            return {"booking_when": text}
        if entity(tracker, "booking_slot") is None and not text.startswith("/") and \
                not read_when(text, desk(self._runtime).today()).empty:
            return {"booking_when": text}  # named up front, or a new day at the slot question
        return {}

    async def extract_booking_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value := entity(tracker, "booking_slot"):
            return {"booking_slot": value}
        text = latest_text(tracker)
        if self._answering(tracker, "booking_slot"):
            when = read_when(text, desk(self._runtime).today())
            if when.day is not None or (when.half_day and not when.start):
                return {}  # another day: extract_booking_when takes it
            found = desk(self._runtime).slot_from_text(text, tracker.get_slot("booking_when"))
            return {"booking_slot": found or text}
        return {}

    # -- validation --------------------------------------------------------------------
    def validate_booking_item(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        item = clean_item(str(value or ""))
        return {"booking_item": item, "booking_error": None if item else "请说一下要办理的事项。"}

    def validate_company(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        name = clean_company(str(value or ""))
        return {"company": name, "handoff_error": None if name else "invalid_company"}

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        phone = normalize_phone(str(value or ""))
        return {"phone": phone, "handoff_error": None if phone else "invalid_phone"}

    async def validate_booking_when(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        button = text if "/" in text and text[:4].isdigit() else None
        choice, refused = await run_in_threadpool(desk(self._runtime).choose_when,
                                                  "" if button else text, button)
        if choice is None:
            return {"booking_when": None, "booking_error": refused}
        return {"booking_when": choice.value, "booking_slot": choice.slot,
                "booking_error": None}

    async def validate_booking_slot(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        slot = str(value or "")
        refused = await run_in_threadpool(desk(self._runtime).check_slot, slot)
        if refused:
            return {"booking_slot": None, "booking_error": refused}
        events: dict[str, Any] = {"booking_slot": slot, "booking_error": None}
        if not tracker.get_slot("booking_when"):  # a slot button names its day
            events["booking_when"] = slot.split("T")[0] + "/"
        return events


def _error(tracker: Tracker) -> str:
    return str(tracker.get_slot("booking_error") or "")


class ActionAskBookingItem(RuntimeAction):
    """The form's first question, with the usual service items as buttons."""

    def name(self) -> str:
        return "action_ask_booking_item"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        utter_buttons(dispatcher, _error(tracker) + ASK_ITEM, item_buttons())
        return []


class ActionAskBookingWhen(RuntimeAction):
    """Which day and half-day, with the next free half-days as buttons."""

    def name(self) -> str:
        return "action_ask_booking_when"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        buttons = await run_in_threadpool(desk(self._runtime).when_buttons)
        utter_buttons(dispatcher, _error(tracker) + ASK_WHEN, buttons)
        return []


class ActionAskBookingSlot(RuntimeAction):
    """The free slots of the chosen day as buttons; when full, the nearest free ones."""

    def name(self) -> str:
        return "action_ask_booking_slot"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text, buttons = await run_in_threadpool(desk(self._runtime).slot_buttons,
                                                str(tracker.get_slot("booking_when") or ""))
        utter_buttons(dispatcher, _error(tracker) + text, buttons)
        return []


class ActionBookAppointment(RuntimeAction):
    """After the form: book the chosen slot for this session's identity."""

    def name(self) -> str:
        return "action_book_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        slots = [str(tracker.get_slot(name) or "") for name in
                 ("booking_item", "company", "phone", "booking_slot")]
        reply = await run_in_threadpool(desk(self._runtime).book, tracker.sender_id,
                                        channel_of(tracker), *slots)
        utter_reply(dispatcher, reply, BOOK)
        if reply.outcome == "booked":
            return _DONE
        # taken meanwhile: the details stay, an alternative button books at once
        return [SlotSet("booking_slot", None), SlotSet("booking_when", None)]


class ActionListAppointments(RuntimeAction):
    """我的预约."""

    def name(self) -> str:
        return "action_list_appointments"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = await run_in_threadpool(desk(self._runtime).mine, tracker.sender_id)
        utter_reply(dispatcher, reply, LIST)
        return []


class ActionRescheduleAppointment(RuntimeAction):
    """改到周四上午: one of this identity's bookings (buttons to pick, when several)."""

    def name(self) -> str:
        return "action_reschedule_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        reply = await run_in_threadpool(
            desk(self._runtime).reschedule, tracker.sender_id,
            "" if text.startswith("/") else text, entity(tracker, "appointment_id"),
            entity(tracker, "booking_when"), entity(tracker, "booking_slot"))
        utter_reply(dispatcher, reply, RESCHEDULE)
        return [SlotSet("appointment_id", None)]


class ActionCancelAppointment(RuntimeAction):
    """取消预约: one of this identity's bookings (buttons to pick, when several)."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = await run_in_threadpool(desk(self._runtime).cancel, tracker.sender_id,
                                        entity(tracker, "appointment_id"))
        utter_reply(dispatcher, reply, CANCEL)
        return [SlotSet("appointment_id", None)]


ACTIONS = (ActionBookingGate, ValidateAppointmentForm, ActionAskBookingItem,
           ActionAskBookingWhen, ActionAskBookingSlot, ActionBookAppointment,
           ActionListAppointments, ActionRescheduleAppointment, ActionCancelAppointment)
__all__ = ["ACTIONS", "INTENTS", "booking_if_requested"]
