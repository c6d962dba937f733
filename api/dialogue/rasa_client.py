"""A small async client for the Rasa server's REST channel and HTTP API.

Every request carries ``Authorization: Bearer <short-lived JWT>`` signed with the secret
Rasa was started with (bot/serve.py); no secret ever goes into a URL, where access logs
would keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from api.dialogue.rasa_jwt import TokenSource


class DialogueUnavailable(RuntimeError):
    """The dialogue server did not answer (down, slow, or failing)."""


class DialogueUnreachable(DialogueUnavailable):
    """No connection to the dialogue server: the request never reached it."""


INTENT_HEADER = "X-DXE-Intent"  # bot/latest_intent.py: the message's intent, with the reply


@dataclass(frozen=True, slots=True)
class DialogueReply:
    """Rasa's messages for one user message, and the intent it recognised in it (None
    when the server did not say: a stock REST channel)."""

    messages: list[dict[str, Any]]
    intent: str | None = None


class RasaClient:
    """Sends messages to Rasa and reads what it decided.

    ``jwt_secret`` is Rasa's ``--jwt-secret`` (``DXE_RASA_JWT_SECRET``); without it the
    protected endpoints (``/status``, the tracker) answer 401. ``transport`` is the test
    seam (an ``httpx`` transport); by default real HTTP is used.
    """

    def __init__(self, base_url: str, jwt_secret: str | None, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = TokenSource(jwt_secret) if jwt_secret else None
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                         transport=transport)

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
                   ) -> DialogueReply:
        """The bot's messages for one user message (REST channel), with its intent."""
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        response = await self._response("POST", "/webhooks/rest/webhook", json=body)
        data = _json(response)
        if not isinstance(data, list):
            raise DialogueUnavailable("unexpected answer from the dialogue server")
        intent = response.headers.get(INTENT_HEADER) or None
        return DialogueReply([message for message in data if isinstance(message, dict)], intent)

    async def latest_intent(self, sender_id: str) -> str | None:
        """The intent Rasa recognised in the conversation's latest message."""
        # Rasa (Sanic) does not unquote path parameters: ``web:…`` must stay ``web:…``, not
        # ``web%3A…`` (another, empty conversation); session ids never contain ``/``.
        tracker = await self._request(
            "GET", f"/conversations/{quote(sender_id, safe=':')}/tracker",
            params={"include_events": "NONE"})
        intent = ((tracker or {}).get("latest_message") or {}).get("intent") or {}
        name = intent.get("name")
        return str(name) if name else None

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU alone (``POST /model/parse``): intent, its ranking and the entities; no
        conversation is touched."""
        data = await self._request("POST", "/model/parse", json={"text": text})
        if not isinstance(data, dict):
            raise DialogueUnavailable("unexpected answer from the dialogue server")
        return data

    async def status(self) -> str:
        """The loaded model's file name; raises :class:`DialogueUnavailable` when down."""
        data = await self._request("GET", "/status")
        return str((data or {}).get("model_file") or "no model")

    async def replace_model(self, model_file: str) -> None:
        """Load another model into the running server (``PUT /model``, Rasa's HTTP API;
        the old model keeps answering until the new one is loaded, and stays if it fails)."""
        headers = self._tokens.header() if self._tokens is not None else {}
        try:
            response = await self._client.put("/model", json={"model_file": model_file},
                                              headers=headers)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 204:
            raise DialogueUnavailable(f"dialogue server answered {response.status_code}: "
                                      f"{response.text[:300]}")

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return _json(await self._response(method, path, **kwargs))

    async def _response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self._tokens.header() if self._tokens is not None else {}
        try:
            response = await self._client.request(method, path, headers=headers, **kwargs)
        except httpx.ConnectError as exc:
            raise DialogueUnreachable(f"{type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise DialogueUnavailable(f"dialogue server answered {response.status_code}")
        return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise DialogueUnavailable("dialogue server sent no JSON") from exc
