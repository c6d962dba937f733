"""Ask the running product, as an enterprise would, and record what it did.

:class:`ChatProbe` talks to ``/api/chat`` over HTTP — with the Rasa server behind it, or
with the app in its direct (degraded) mode — and, on the Rasa path, reads Rasa's NLU
guess (``/model/parse``) and whether the handoff form is running (the tracker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from api.dialogue.rasa_jwt import TokenSource


@dataclass(slots=True)
class TurnRecord:
    """What the assistant did with one message."""

    intent: str | None
    answered: bool  # the response carries an answer (with citations)
    citations: list[dict[str, Any]]
    texts: list[str]
    form_active: bool  # a handoff is being collected (Rasa's form, or the direct path's)
    handoff: dict[str, Any] | None
    degraded: bool
    nlu_intent: str | None = None
    buttons: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # the buttons' payloads, in order

    @property
    def first_citation(self) -> dict[str, Any] | None:
        """The citation an answer rests on first."""
        return self.citations[0] if self.citations else None

    @property
    def text(self) -> str:
        """All replies as one text."""
        return "\n".join(self.texts)


class ChatProbe:
    """Sends messages to ``/api/chat`` and inspects the dialogue server when there is one."""

    def __init__(self, app_url: str, rasa_url: str | None = None,
                 jwt_secret: str | None = None, timeout: float = 60) -> None:
        self._http = httpx.Client(timeout=timeout)
        self.app_url = app_url.rstrip("/")
        self.rasa_url = rasa_url.rstrip("/") if rasa_url else None
        self._credentials: dict[str, str] = {}  # the harness's conversation names → issued
        # Rasa's HTTP API takes a JWT in the Authorization header (bot/serve.py)
        self._tokens = TokenSource(jwt_secret) if jwt_secret else None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def parse(self, text: str) -> str | None:
        """Rasa's NLU intent for a text (None without a dialogue server)."""
        if self.rasa_url is None:
            return None
        response = self._http.post(f"{self.rasa_url}/model/parse", headers=self._auth(),
                                   json={"text": text})
        response.raise_for_status()
        return ((response.json() or {}).get("intent") or {}).get("name")

    def _auth(self) -> dict[str, str]:
        return self._tokens.header() if self._tokens is not None else {}

    def credential(self, name: str) -> str:
        """The credential of conversation ``name``, issued by the app on first use."""
        if name not in self._credentials:
            response = self._http.post(f"{self.app_url}/api/sessions")
            response.raise_for_status()
            self._credentials[name] = str(response.json()["session_id"])
        return self._credentials[name]

    def sender(self, name: str) -> str:
        """Rasa's id of conversation ``name`` (the credential without its signature)."""
        return self.credential(name).rsplit(".", 1)[0]

    def _form_active(self, session_id: str, body: dict[str, Any]) -> bool:
        if self.rasa_url is None or body.get("degraded"):
            return body.get("intent") == "request_human" and body.get("handoff") is None
        response = self._http.get(
            f"{self.rasa_url}/conversations/{quote(self.sender(session_id), safe=':')}/tracker",
            params={"include_events": "NONE"}, headers=self._auth())
        response.raise_for_status()
        loop = (response.json() or {}).get("active_loop") or {}
        return loop.get("name") == "handoff_form"

    def ask(self, session_id: str, text: str, *, parse: bool = False) -> TurnRecord:
        """Send one message; ``parse`` also asks Rasa's NLU what it made of the text."""
        nlu_intent = self.parse(text) if parse else None
        response = self._http.post(f"{self.app_url}/api/chat",
                                   json={"session_id": self.credential(session_id), "text": text})
        response.raise_for_status()
        body = response.json()
        answer = body.get("answer") or None
        replies = body.get("replies") or []
        return TurnRecord(
            intent=body.get("intent"), answered=answer is not None,
            citations=list((answer or {}).get("citations") or []),
            texts=[str(reply.get("text", "")) for reply in replies],
            form_active=self._form_active(session_id, body), handoff=body.get("handoff"),
            degraded=bool(body.get("degraded")), nlu_intent=nlu_intent,
            buttons=[str(b.get("title")) for reply in replies for b in reply.get("buttons") or []],
            payloads=[str(b.get("payload")) for reply in replies
                      for b in reply.get("buttons") or []])

    def requested_slot(self, session_id: str) -> str | None:
        """The slot the handoff form asks for next (Rasa path only)."""
        if self.rasa_url is None:
            return None
        response = self._http.get(
            f"{self.rasa_url}/conversations/{quote(self.sender(session_id), safe=':')}/tracker",
            params={"include_events": "NONE"}, headers=self._auth())
        response.raise_for_status()
        slots = (response.json() or {}).get("slots") or {}
        value = slots.get("requested_slot")
        return str(value) if value else None
