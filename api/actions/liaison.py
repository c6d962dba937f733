"""action_lookup_liaison: who serves a district (or which districts a leader serves)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from api.actions.payloads import utter_turn
from api.services import intent_rules
from api.services.runtime import Runtime


class ActionLookupLiaison(Action):
    """Answer from the liaison directory, by the district slot or the message text."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_lookup_liaison"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        assistant = self._runtime.assistant()
        directory = self._runtime.knowledge.directory
        leader = intent_rules.asks_about_leader(text, directory)
        if leader:
            turn = assistant.leader(leader)
        else:
            named_here = directory.find_in_text(text)
            district = named_here.district if named_here else None
            turn = assistant.liaison(text, district)
        utter_turn(dispatcher, turn)
        return []
