"""The quick-reply buttons every channel offers, defined once.

``HUMAN_CHOICE`` (转人工) ends every decline, answer and "no tickets" reply; the five 好差评
buttons come from :func:`hotline.tickets.ratings.rating_choices`. Turns keep buttons as
(title, payload) pairs; the chat contract as :class:`api.schemas.Button`; Rasa actions as
dicts (:func:`as_rasa`).
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.shapes import Button
from hotline.tickets.ratings import rating_choices

HUMAN_CHOICE = ("转人工", "/request_human")


def human_button() -> Button:
    """The 转人工 button of the chat contract."""
    return Button(title=HUMAN_CHOICE[0], payload=HUMAN_CHOICE[1])


def rating_buttons(ticket_id: str | None) -> list[Button]:
    """The five rating buttons for a ticket, or for the conversation (None)."""
    return [Button(title=title, payload=payload) for title, payload in rating_choices(ticket_id)]


def as_rasa(buttons: Iterable[Button]) -> list[dict[str, str]]:
    """Buttons as rasa-sdk's dispatcher takes them."""
    return [{"title": button.title, "payload": button.payload} for button in buttons]
