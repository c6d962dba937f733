"""action_answer_first: answer a question NLU took for small talk, a complaint or the like.

The rules run it first for those intents; it answers when the knowledge base is confident
(:meth:`DirectAssistant.answer_first <assistant.assistant.DirectAssistant.answer_first>`)
and sets slot ``answered_first``, on which the rules branch: answered → listen; not
answered → the intent's own responses. A message that asks for a person in words the
direct path recognises ("客服在吗", "转接真人 谢谢") starts the handoff form whatever NLU
guessed (:func:`handoff_if_requested`), as it would in direct mode.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.appointments import booking_if_requested
from api.actions.base import RuntimeAction, latest_intent, latest_text
from api.actions.payloads import utter_turn
from api.actions.subscriptions import subscriptions_if_requested
from api.runtime import Runtime
from assistant import intent_rules

COMPLAINT_PREFACE = "给您添麻烦了，抱歉。先说说您问的这件事的规定："


def handoff_if_requested(runtime: Runtime, text: str, intent: str | None
                         ) -> list[dict[str, Any]] | None:
    """Start the handoff form when the message asks for a person but NLU said otherwise."""
    if intent == "request_human" or \
            not intent_rules.requests_person(text, runtime.knowledge.directory):
        return None
    return [FollowupAction("handoff_form")]


class ActionAnswerFirst(RuntimeAction):
    """Answer from the knowledge base when it is confident; report whether it did."""

    def name(self) -> str:
        return "action_answer_first"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        intent = latest_intent(tracker)
        if handoff := handoff_if_requested(self._runtime, text, intent):
            return [SlotSet("answered_first", True), *handoff]
        if booking := booking_if_requested(text, intent):  # "我的预约" read as small talk
            return [SlotSet("answered_first", True), *booking]
        if subscribed := subscriptions_if_requested(text, intent):  # "退订" read as deny
            return [SlotSet("answered_first", True), *subscribed]
        turn = await run_in_threadpool(self._runtime.assistant().answer_first, text, intent)
        if turn is None:
            return [SlotSet("answered_first", False)]
        if intent == "complain":
            turn = replace(turn, texts=[COMPLAINT_PREFACE, *turn.texts])
        utter_turn(dispatcher, turn)
        return [SlotSet("answered_first", True)]
