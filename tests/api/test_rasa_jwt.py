"""The app's JWTs for Rasa's HTTP API (api/dialogue/rasa_jwt.py) and how the client sends
them: in the Authorization header, never in the URL. Rasa accepting them is tested against
the real server in tests/dialogue/test_secrets.py."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from api.dialogue.rasa_client import RasaClient
from api.dialogue.rasa_jwt import TokenSource, mint_token

SECRET = "k" * 8 + "0123456789abcdef"


def _decode(token: str, secret: str = SECRET) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, signature = token.split(".")

    def part(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(part(signature), expected)
    return json.loads(part(head)), json.loads(part(body))


def test_a_token_is_an_admin_hs256_jwt_that_expires() -> None:
    header, payload = _decode(mint_token(SECRET, lifetime=60, now=1_000))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert payload["user"] == {"username": "dianxiaoer-app", "role": "admin"}
    assert (payload["iat"], payload["exp"]) == (1_000, 1_060)


def test_the_source_reuses_a_token_until_it_nears_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000.0]
    monkeypatch.setattr("api.dialogue.rasa_jwt.time.time", lambda: clock[0])
    source = TokenSource(SECRET, lifetime=60, margin=15)
    first = source.header()
    clock[0] += 40
    assert source.header() == first
    clock[0] += 10  # 10 s left < the 15 s margin
    renewed = source.header()
    assert renewed != first
    assert _decode(renewed["Authorization"].removeprefix("Bearer "))[1]["exp"] == 1_110
    assert SECRET not in repr(source)


def test_the_client_sends_the_jwt_in_a_header_not_in_the_url() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": "m.tar.gz"})
        return httpx.Response(200, json={"latest_message": {"intent": {"name": "greet"}}})

    async def calls() -> tuple[str, str | None]:
        client = RasaClient("http://rasa.test", SECRET, 2.0, transport=httpx.MockTransport(rasa))
        try:
            return await client.status(), await client.latest_intent("web:s1")
        finally:
            await client.close()

    assert asyncio.run(calls()) == ("m.tar.gz", "greet")
    # Rasa does not unquote path parameters: the session id's colon stays as it is
    assert seen[1].url.raw_path == b"/conversations/web:s1/tracker?include_events=NONE"
    for request in seen:
        assert "token" not in request.url.params and SECRET not in str(request.url)
        _decode(request.headers["authorization"].removeprefix("Bearer "))
