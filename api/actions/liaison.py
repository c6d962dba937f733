"""action_lookup_liaison: who serves a district (or which districts a leader serves)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.payloads import utter_turn
from api.services.runtime import Runtime


class ActionLookupLiaison(Action):
    """Answer from the liaison directory (:meth:`DirectAssistant.lookup_liaison`): the
    district named in the message, else the ``district`` slot an earlier message filled."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_lookup_liaison"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        turn = await run_in_threadpool(self._runtime.assistant().lookup_liaison, text,
                                       tracker.get_slot("district"))
        utter_turn(dispatcher, turn)
        return []
