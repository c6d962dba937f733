"""action_answer_first: answer a question NLU took for small talk, a complaint or the like.

The rules run it first for those intents; it answers when the knowledge base is confident
(:meth:`DirectAssistant.answer_first <api.services.assistant.DirectAssistant.answer_first>`) and sets slot ``answered_first``, on which the
rules branch: answered → listen; not answered → the intent's own responses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import utter_turn
from api.services.runtime import Runtime

COMPLAINT_PREFACE = "给您添麻烦了，抱歉。先说说您问的这件事的规定："


def latest_intent(tracker: Tracker) -> str | None:
    """The intent NLU gave the latest message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


class ActionAnswerFirst(Action):
    """Answer from the knowledge base when it is confident; report whether it did."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_answer_first"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        intent = latest_intent(tracker)
        turn = await run_in_threadpool(self._runtime.assistant().answer_first, text, intent)
        if turn is None:
            return [SlotSet("answered_first", False)]
        if intent == "complain":
            turn = replace(turn, texts=[COMPLAINT_PREFACE, *turn.texts])
        utter_turn(dispatcher, turn)
        return [SlotSet("answered_first", True)]
