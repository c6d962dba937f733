"""action_lookup_liaison: who serves a district (or which districts a leader serves)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import utter_turn
from api.services import intent_rules
from api.services.assistant import AssistantTurn
from api.services.runtime import Runtime


class ActionLookupLiaison(Action):
    """Answer from the liaison directory.

    The district is the one named in the message; else, for a question about the bureau's
    liaison ("联系人是谁"), the ``district`` slot an earlier message filled; a message
    that names no place and asks no liaison question is answered from the knowledge base
    when it is confident (answer first); otherwise the enterprise picks its district.
    """

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_lookup_liaison"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        turn = await run_in_threadpool(self._turn, text, tracker.get_slot("district"))
        utter_turn(dispatcher, turn)
        return []

    def _turn(self, text: str, remembered: str | None) -> AssistantTurn:
        assistant = self._runtime.assistant()
        directory = self._runtime.knowledge.directory
        if leader := intent_rules.asks_about_leader(text, directory):
            return assistant.leader(leader)
        if named := directory.find_in_text(text):
            return assistant.liaison(text, named.district)
        if not intent_rules.mentions_liaison(text):
            answered = assistant.answer_first(text, "ask_liaison")
            if answered is not None:
                return answered
        known = directory.get(remembered) if remembered else None
        return assistant.liaison(text, known.district if known else None)
