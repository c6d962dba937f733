"""action_lookup_registry: a company's 高企 status, a certificate number, incubators of a
district, 科技特派员 of a field — from the imported registries (hotline/registries)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.base import RuntimeAction, latest_intent, latest_text
from api.actions.payloads import utter_turn
from assistant.assistant import AssistantTurn


class ActionLookupRegistry(RuntimeAction):
    """Answer from the registries (:meth:`DirectAssistant.registry`); a message that names
    no registry after all is answered from the knowledge base."""

    def name(self) -> str:
        return "action_lookup_registry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = await run_in_threadpool(self._turn, latest_text(tracker), latest_intent(tracker))
        utter_turn(dispatcher, turn)
        return []

    def _turn(self, text: str, intent: str | None) -> AssistantTurn:
        assistant = self._runtime.assistant()
        return assistant.registry(text, intent) or assistant.policy(text)
