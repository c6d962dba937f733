"""Rasa's REST channel, open only to the app: every message needs the app's JWT.

The stock ``rest`` channel takes a message for any ``sender`` from anyone who can reach the
port, which would let a local user talk to (or continue) a conversation behind the app's
session credentials and rate limits. This channel keeps the same URL
(``POST /webhooks/rest/webhook``) and payload, and refuses a request unless its
``Authorization: Bearer`` JWT is signed with ``DXE_RASA_JWT_SECRET`` (HS256, unexpired,
role ``admin``) — the token the app already sends to Rasa's HTTP API (api/dialogue/rasa_jwt.py).
Configured in bot/credentials.yml; Rasa imports it with the repo root on PYTHONPATH; the
secret comes from bot/serve.py (:func:`configure`), else from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import jwt
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.latest_intent import HEADER, intent_of

SECRET_VARIABLE = "DXE_RASA_JWT_SECRET"
_intent: ContextVar[str | None] = ContextVar("dxe_intent", default=None)
_configured: dict[str, str] = {}  # bot/serve.py hands the secret over here, in-process


def configure(secret: str) -> None:
    """Use ``secret`` (bot/serve.py takes it out of the environment before Rasa starts)."""
    _configured["secret"] = secret


def authorised(request: Request, secret: str) -> bool:
    """Whether the request carries a valid admin JWT signed with ``secret``."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return False
    return (payload.get("user") or {}).get("role") == "admin"


class GuardedRestInput(RestInput):
    """``rest`` with authentication."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret or _configured.get("secret") or os.environ.get(SECRET_VARIABLE) or ""
        if len(self.secret) < 16:
            raise ValueError(f"{SECRET_VARIABLE} must be set (16+ characters) for this channel")

    @classmethod
    def name(cls) -> str:
        return "rest"  # the same URL as the stock channel: /webhooks/rest/webhook

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guarded = super().blueprint(self._noting_intent(on_new_message))

        @guarded.middleware("request")
        async def require_jwt(request: Request) -> HTTPResponse | None:
            _intent.set(None)  # one request's intent never shows in another's answer
            if request.method == "POST" and not authorised(request, self.secret):
                return response.json({"message": "unauthorised"}, status=401)
            return None

        @guarded.middleware("response")
        async def intent_header(request: Request, reply: HTTPResponse) -> None:
            intent = _intent.get()
            if intent and request.method == "POST":
                reply.headers[HEADER] = intent

        return guarded

    @staticmethod
    def _noting_intent(on_new_message: Callable[[UserMessage], Awaitable[Any]]
                       ) -> Callable[[UserMessage], Awaitable[Any]]:
        """``on_new_message`` that remembers the message's intent for the response header
        (bot/latest_intent.py notes it while Rasa parses). Sanic awaits the route and its
        middleware in one task, so a context variable carries it from one to the other."""
        async def handle(message: UserMessage) -> Any:
            result = await on_new_message(message)
            _intent.set(intent_of(message))
            return result

        return handle
