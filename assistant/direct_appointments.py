"""Booking without the dialogue server (degraded mode): the same questions as the Rasa form
``appointment_form`` — service item, company, phone, day and half-day, slot — and the same
replies (:class:`assistant.appointments.BookingDesk`).

The state between turns is the conversation log, as for the direct handoff: each question
is recorded as the turn's outcome (``book:item`` … ``book:slot``), so the answer to it is
the next message, and the flow's values are read again from its messages every turn.
A question typed in the middle ("要带什么材料？") is answered normally and ends the flow; "算了"
stops it.
"""

from __future__ import annotations

import re

from assistant import intent_rules
from assistant.appointments import (
    ASK_ITEM,
    ASK_WHEN,
    BOOK,
    CANCEL,
    LIST,
    RESCHEDULE,
    STOPPED,
    BookingDesk,
    DeskReply,
    booking_intent,
    clean_item,
    item_buttons,
    item_in,
    read_payload,
    wants_to_stop,
)
from assistant.booking_dates import read_when
from assistant.contact_info import clean_company, find_company, normalize_phone
from assistant.shapes import Button, DialogueTurn, Reply
from hotline.conversations.log import ConversationLog
from hotline.conversations.models import ChatTurn
from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

STEP = "book:"  # outcome prefix of a turn that asked a booking question
HISTORY = 12  # turns read back: a flow with a few refused answers still finds its start
ORDER = ("item", "company", "phone", "when", "slot")
_QUESTION = re.compile(r"[?？]|吗|怎么|如何|什么|哪些|为什么|能不能|可不可以")


def _turn(reply: DeskReply | tuple[str, list[tuple[str, str]]], intent: str,
          outcome: str | None = None) -> DialogueTurn:
    text, buttons, done = ((reply.text, reply.buttons, reply.outcome)
                           if isinstance(reply, DeskReply) else (*reply, "asked"))
    return DialogueTurn(replies=[Reply(text=text, buttons=[Button(title=t, payload=p)
                                                           for t, p in buttons])],
                        intent=intent, outcome=outcome or done)


class DirectAppointments:
    """Recognises booking business in a message; None means "not mine, answer normally"."""

    def __init__(self, desk: BookingDesk, log: ConversationLog,
                 directory: LiaisonDirectory) -> None:
        self.desk = desk
        self.log = log
        self.directory = directory

    def respond(self, session_id: str, channel: str, text: str) -> DialogueTurn | None:
        button = read_payload(text)
        intent = button.intent if button else booking_intent(text)
        entities = button.entities if button else {}
        history = self.log.recent(session_id, limit=HISTORY)
        asked = history[-1].outcome.removeprefix(STEP) if history and \
            history[-1].outcome.startswith(STEP) else None
        if intent == LIST:
            return _turn(self.desk.mine(session_id), LIST)
        if intent == CANCEL:
            if asked is not None and button is None:  # "取消预约" while booking: stop
                return _turn((STOPPED, []), CANCEL, "dialogue")
            return _turn(self.desk.cancel(session_id, entities.get("appointment_id")), CANCEL)
        if intent == RESCHEDULE:
            return _turn(self.desk.reschedule(
                session_id, "" if button else text, entities.get("appointment_id"),
                entities.get("booking_when"), entities.get("booking_slot")), RESCHEDULE)
        if intent != BOOK and asked is None:
            return None
        if asked is not None and intent != BOOK:
            if wants_to_stop(text):
                return _turn((STOPPED, []), BOOK, "dialogue")
            if intent_rules.requests_person(text, self.directory) or \
                    (button is None and _QUESTION.search(normalize_text(text))):
                return None  # a question or a person: answered normally, the flow ends
        return self._form(session_id, channel, text, history, asked)

    # -- the form --------------------------------------------------------------------------
    def _values(self, texts: list[tuple[str | None, str]]
                ) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The flow's values from (question asked, answer) pairs, and the last refusal (the
        value it was about, why)."""
        values: dict[str, str] = {}
        error: tuple[str, str] | None = None
        for asked, text in texts:
            button = read_payload(text)
            if button is not None:
                for key, name in (("booking_item", "item"), ("booking_when", "when"),
                                  ("booking_slot", "slot")):
                    if key in button.entities:
                        values[name] = button.entities[key]
                if "booking_when" in button.entities:
                    values.pop("slot", None)
                elif "booking_slot" in button.entities:  # a slot names its day too
                    values["when"] = button.entities["booking_slot"].split("T")[0] + "/"
                continue
            if item := (clean_item(text) if asked == "item" else item_in(text)):
                values["item"] = item
            if company := (clean_company(text) if asked == "company" else None) or \
                    find_company(text):
                values["company"] = company
            if phone := normalize_phone(text):
                values["phone"] = phone
            if asked == "slot" and (slot := self.desk.slot_from_text(text, values.get("when"))):
                values["slot"] = slot
                continue
            choice, refused = self.desk.choose_when(text)
            if choice is not None:
                values["when"] = choice.value
                values.pop("slot", None)
                if choice.slot:
                    values["slot"] = choice.slot
            elif refused and (asked == "when" or not read_when(text, self.desk.today()).empty):
                error = ("when", refused)
            if asked in ("company", "phone") and asked not in values:
                error = (asked, "公司名称好像不完整，请发营业执照上的全称。" if asked == "company"
                         else "这个号码好像不太对，请发11位手机号，或带区号的座机（如 027-87654321）。")
        if values.get("slot") and (refused := self.desk.check_slot(values["slot"])):
            values.pop("slot")
            error = ("slot", refused)
        return values, error

    def _form(self, session_id: str, channel: str, text: str, history: list[ChatTurn],
              asked: str | None) -> DialogueTurn:
        pairs: list[tuple[str | None, str]] = []
        previous: str | None = None
        flow: list[ChatTurn] = []
        for turn in reversed(history):  # this flow's earlier messages
            if not turn.outcome.startswith(STEP):
                break
            flow.insert(0, turn)
        for turn in flow:
            pairs.append((previous, turn.text))
            previous = turn.outcome.removeprefix(STEP)
        pairs.append((asked, text))
        values, error = self._values(pairs)
        missing = next((name for name in ORDER if name not in values), None)
        if missing is None:
            reply = self.desk.book(session_id, channel, values["item"], values["company"],
                                   values["phone"], values["slot"])
            # refused (taken meanwhile): the flow stays on the slot, its alternatives offered
            return _turn(reply, BOOK, STEP + "slot" if reply.outcome == "refused" else None)
        prefix = error[1] if error and error[0] == missing else ""
        if missing == "item":
            return _turn((prefix + ASK_ITEM, item_buttons()), BOOK, STEP + "item")
        if missing == "company":
            return _turn((prefix + "贵公司的全称是？", []), BOOK, STEP + "company")
        if missing == "phone":
            return _turn((prefix + "留个联系电话吧，手机或座机都行。", []), BOOK, STEP + "phone")
        if missing == "when":
            return _turn((prefix + ASK_WHEN, self.desk.when_buttons()), BOOK, STEP + "when")
        ask, buttons = self.desk.slot_buttons(values["when"])
        return _turn((prefix + ask, buttons), BOOK, STEP + "slot")
