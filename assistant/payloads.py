"""How a custom action's turn travels back to the gateway: its custom payload.

Rasa's REST channel returns a ``json_message`` as ``{"custom": …}``; the gateway
(api/dialogue/responses.py) reads the ``dxe`` key to fill the chat contract's ``intent``,
``answer`` and ``handoff`` fields; the actions (api/actions/payloads.py) write it.
"""

from __future__ import annotations

from typing import Any

from assistant.assistant import AssistantTurn

PAYLOAD_KEY = "dxe"


def turn_payload(turn: AssistantTurn) -> dict[str, Any]:
    """The custom payload for a turn."""
    answer = None
    if turn.answer is not None:
        answer = {"confidence": turn.answer.confidence,
                  "citations": [citation.model_dump() for citation in turn.answer.citations]}
    return {PAYLOAD_KEY: {"intent": turn.intent, "outcome": turn.outcome, "answer": answer}}
