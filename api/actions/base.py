"""What the custom actions share: the app's runtime, and the latest message's parts."""

from __future__ import annotations

from rasa_sdk import Action, Tracker

from api.runtime import Runtime


class RuntimeAction(Action):
    """An action bound to the app's runtime (one index and one database for every action)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime


def latest_text(tracker: Tracker) -> str:
    """The text of the latest user message ("" for none)."""
    return str((tracker.latest_message or {}).get("text") or "")


def latest_intent(tracker: Tracker) -> str | None:
    """The intent NLU gave the latest message."""
    name = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return str(name) if name else None


def channel_of(tracker: Tracker) -> str:
    """The channel the latest message came from."""
    return str(((tracker.latest_message or {}).get("metadata") or {}).get("channel", "web"))
