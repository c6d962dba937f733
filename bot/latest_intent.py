"""The intent of each message, handed back with Rasa's reply: no second request per turn.

The app logs every turn with the intent NLU recognised. A turn whose reply came from a
custom action carries it in the action's payload; a turn answered by a plain response
(utter_greet …) did not, and the app asked Rasa's tracker for it — a second HTTP request
and a second tracker-store read per turn. Here Rasa's ``MessageProcessor.parse_message`` is
wrapped to note the parsed intent on the :class:`UserMessage` itself, and the REST channel
(bot/channels/guarded_rest.py) returns it in the ``X-DXE-Intent`` header of the webhook's
answer. bot/serve.py installs it before Rasa starts; the parse itself is Rasa's, unchanged.
"""

from __future__ import annotations

from typing import Any

ATTRIBUTE = "dxe_intent"
HEADER = "X-DXE-Intent"
_installed: dict[str, Any] = {}


def install() -> None:
    """Wrap the processor's parse to note the intent on the message (idempotent)."""
    if _installed:
        return
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message

    async def parse_message(self: MessageProcessor, message: UserMessage, *args: Any,
                            **kwargs: Any) -> dict[str, Any]:
        parsed: dict[str, Any] = await original(self, message, *args, **kwargs)
        name = (parsed.get("intent") or {}).get("name")
        setattr(message, ATTRIBUTE, name if isinstance(name, str) else None)
        return parsed

    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
    _installed["original"] = original


def intent_of(message: Any) -> str | None:
    """The intent noted on a message once Rasa has handled it (None if it was not parsed)."""
    value = getattr(message, ATTRIBUTE, None)
    return value if isinstance(value, str) and value.isascii() and value.isprintable() else None
