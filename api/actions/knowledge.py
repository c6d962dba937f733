"""action_answer_from_knowledge: answer, refer or decline from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import utter_turn
from api.services.runtime import Runtime


class ActionAnswerFromKnowledge(Action):
    """Search the knowledge base for the latest message; never present a weak match."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        turn = await run_in_threadpool(self._runtime.assistant().policy, text)
        utter_turn(dispatcher, turn)
        return []
