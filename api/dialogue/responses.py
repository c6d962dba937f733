"""Map the Rasa REST channel's messages onto the chat contract."""

from __future__ import annotations

from typing import Any

from api.schemas import Answer, Button, Handoff, RatingPrompt, Reply, TicketCard
from assistant.choices import human_button
from assistant.payloads import PAYLOAD_KEY
from assistant.shapes import DialogueTurn

NOTHING_TO_SAY = "抱歉，我没太明白您的意思。可以换个说法再问，或者转人工。"


def to_turn(messages: list[dict[str, Any]]) -> DialogueTurn:
    """Text messages become replies (with their buttons); our custom payloads fill the rest."""
    turn = DialogueTurn()
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get(PAYLOAD_KEY), dict):
            payload = custom[PAYLOAD_KEY]
            turn.intent = payload.get("intent") or turn.intent
            turn.outcome = payload.get("outcome") or turn.outcome
            if payload.get("answer"):
                turn.answer = Answer.model_validate(payload["answer"])
            if payload.get("handoff"):
                turn.handoff = Handoff.model_validate(payload["handoff"])
            if payload.get("tickets"):
                turn.tickets = [TicketCard.model_validate(t) for t in payload["tickets"]]
            if payload.get("rating"):
                turn.rating = RatingPrompt.model_validate(payload["rating"])
            continue
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            buttons = [Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                       for b in message.get("buttons") or [] if isinstance(b, dict)]
            turn.replies.append(Reply(text=text, buttons=buttons))
    if not turn.replies:
        turn.replies.append(Reply(text=NOTHING_TO_SAY,
                                  buttons=[human_button()]))
    return turn
