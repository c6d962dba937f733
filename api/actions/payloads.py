"""How an action's turn travels back to the gateway: text messages plus one custom payload.

Rasa's REST channel returns a ``json_message`` as ``{"custom": …}``; the gateway reads the
``dxe`` key to fill the chat contract's ``intent``, ``answer`` and ``handoff`` fields.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from api.services.assistant import AssistantTurn

PAYLOAD_KEY = "dxe"


def turn_payload(turn: AssistantTurn) -> dict[str, Any]:
    """The custom payload for a turn."""
    answer = None
    if turn.answer is not None:
        answer = {"confidence": turn.answer.confidence,
                  "citations": [citation.model_dump() for citation in turn.answer.citations]}
    return {PAYLOAD_KEY: {"intent": turn.intent, "outcome": turn.outcome, "answer": answer}}


def utter_turn(dispatcher: CollectingDispatcher, turn: AssistantTurn) -> None:
    """Send a turn's texts (buttons on the last one), then its payload."""
    buttons = [{"title": title, "payload": payload} for title, payload in turn.buttons]
    for position, text in enumerate(turn.texts):
        last = position == len(turn.texts) - 1
        dispatcher.utter_message(text=text, buttons=buttons if last else [])
    dispatcher.utter_message(json_message=turn_payload(turn))
