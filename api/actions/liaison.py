"""action_lookup_liaison: who serves a district (or which districts a leader serves)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.base import RuntimeAction, latest_text
from api.actions.payloads import utter_turn


class ActionLookupLiaison(RuntimeAction):
    """Answer from the liaison directory (:meth:`DirectAssistant.lookup_liaison`): the
    district named in the message, else the ``district`` slot an earlier message filled."""

    def name(self) -> str:
        return "action_lookup_liaison"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        turn = await run_in_threadpool(self._runtime.assistant().lookup_liaison, text,
                                       tracker.get_slot("district"))
        utter_turn(dispatcher, turn)
        return []
