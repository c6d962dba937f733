"""鄂汇办's signed user token: verified when configured, 404 when not."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.channels.ehuiban import sign

SECRET = "ehuiban-shared-secret-for-tests"


@pytest.fixture
def configured(runtime) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from api.main import create_app

    original = runtime.settings
    runtime.settings = original.model_copy(update={"EHUIBAN_SECRET": SECRET})
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.settings = original


def token(user: str, at: int | None = None, secret: str = SECRET) -> dict[str, object]:
    ts = int(time.time()) if at is None else at
    return {"user_id": user, "timestamp": ts, "signature": sign(secret, user, ts)}


def test_valid_token_gives_a_stable_session_bound_to_the_user(configured: TestClient) -> None:
    first = configured.post("/api/ehuiban/session", json=token("u10086"))
    assert first.status_code == 200
    session_id = first.json()["session_id"]
    assert session_id.startswith("eh:u10086:")
    again = configured.post("/api/ehuiban/session", json=token("u10086")).json()["session_id"]
    other = configured.post("/api/ehuiban/session", json=token("u10087")).json()["session_id"]
    assert again == session_id and other != session_id
    chat = configured.post("/api/chat", json={"session_id": session_id, "text": "你好",
                                              "channel": "ehuiban"})
    assert chat.status_code == 200


@pytest.mark.parametrize("forged", [
    token("u10086", secret="wrong-secret"),
    token("u10086", at=int(time.time()) - 3600),
    {**token("u10086"), "user_id": "u10087"},
    {**token("u10086"), "user_id": "<script>"},
])
def test_forged_stale_or_malformed_tokens_are_refused(configured: TestClient,
                                                      forged: dict[str, object]) -> None:
    response = configured.post("/api/ehuiban/session", json=forged)
    assert response.status_code in (401, 422) and response.json()["message"]


def test_without_a_secret_the_exchange_is_off(client: TestClient) -> None:
    assert client.post("/api/ehuiban/session", json=token("u1")).status_code == 404
