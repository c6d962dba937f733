"""How an action's turn is sent: text messages plus one custom payload (assistant/payloads.py)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from assistant.assistant import AssistantTurn
from assistant.payloads import turn_payload


def utter_turn(dispatcher: CollectingDispatcher, turn: AssistantTurn) -> None:
    """Send a turn's texts (buttons on the last one), then its payload."""
    buttons = [{"title": title, "payload": payload} for title, payload in turn.buttons]
    for position, text in enumerate(turn.texts):
        last = position == len(turn.texts) - 1
        dispatcher.utter_message(text=text, buttons=buttons if last else [])
    dispatcher.utter_message(json_message=turn_payload(turn))
