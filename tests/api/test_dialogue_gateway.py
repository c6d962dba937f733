"""The gateway's mapping of Rasa's REST answers, and its fallback when Rasa fails.

Rasa itself is exercised for real in tests/dialogue; here its HTTP answers are scripted
through httpx's transport seam to cover the mapping and each failure mode precisely.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.dialogue.rasa_client import RasaClient
from tests.sessions import credential_for, issued

Handler = Callable[[httpx.Request], httpx.Response]
SESSION = issued("web:s")


@pytest.fixture
def app_with(runtime) -> Iterator[Callable[[Handler], TestClient]]:  # type: ignore[no-untyped-def]
    from api.main import create_app

    clients: list[TestClient] = []

    def make(handler: Handler) -> TestClient:
        client = TestClient(create_app(runtime=runtime))
        client.__enter__()
        client.app.state.dialogue = RasaClient(  # type: ignore[attr-defined]
            "http://rasa.test", "tok", 2.0, transport=httpx.MockTransport(handler))
        client.app.state.chat.dialogue = client.app.state.dialogue  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_rasa_messages_map_onto_the_contract(app_with) -> None:  # type: ignore[no-untyped-def]
    seen: list[dict] = []  # type: ignore[type-arg]

    def rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            seen.append(json.loads(request.content))
            return httpx.Response(200, json=[
                {"recipient_id": "s9", "text": "请问企业在哪个区？",
                 "buttons": [{"title": "江夏区", "payload": '/provide_info{"district":"江夏区"}'}]},
                {"recipient_id": "s9", "custom": {"dxe": {
                    "intent": "ask_policy", "outcome": "answered",
                    "answer": {"confidence": 0.8, "citations": [{
                        "doc_id": "d", "title": "t", "doc_number": "n", "section": "（八）x",
                        "snippet": "s", "score": 0.9}]}}}},
            ])
        raise AssertionError(request.url.path)

    client = app_with(rasa)
    credential = credential_for(client.app.state.runtime, "web:s9")
    body = client.post("/api/chat", json={"session_id": credential, "text": "转人工"}).json()
    # Rasa hears the conversation's id, never the credential
    assert seen == [{"sender": "web:s9", "message": "转人工", "metadata": {"channel": "web"}}]
    assert body["session_id"] == credential
    assert body["degraded"] is False and body["intent"] == "ask_policy"
    assert body["replies"] == [{"text": "请问企业在哪个区？", "buttons": [
        {"title": "江夏区", "payload": '/provide_info{"district":"江夏区"}'}]}]
    assert body["answer"]["citations"][0]["section"] == "（八）x"


def test_intent_comes_from_the_tracker_when_no_action_reported_it(app_with) -> None:  # type: ignore[no-untyped-def]
    def rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[{"recipient_id": "s", "text": "您好！"}])
        assert request.url.path == "/conversations/web:s/tracker"
        # a JWT in the header (api/dialogue/rasa_jwt.py), no secret in the URL
        assert "token" not in request.url.params
        assert request.headers["authorization"].startswith("Bearer ey")
        return httpx.Response(200, json={"latest_message": {"intent": {"name": "greet"}}})

    body = app_with(rasa).post("/api/chat", json={"session_id": SESSION, "text": "你好"}).json()
    assert body["intent"] == "greet" and body["replies"][0]["text"] == "您好！"
    assert body["answer"] is None and body["degraded"] is False


def test_intent_comes_with_the_reply_when_the_channel_says_it(app_with) -> None:  # type: ignore[no-untyped-def]
    paths: list[str] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=[{"recipient_id": "s", "text": "您好！"}],
                              headers={"X-DXE-Intent": "greet"})

    body = app_with(rasa).post("/api/chat", json={"session_id": SESSION, "text": "你好"}).json()
    assert body["intent"] == "greet" and body["degraded"] is False
    assert paths == ["/webhooks/rest/webhook"]  # one round trip: no tracker request


@pytest.mark.parametrize("failure", [
    lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
    lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
    lambda r: httpx.Response(500, text="boom"),
    lambda r: httpx.Response(200, text="<html>not json</html>"),
])
def test_rasa_failure_falls_back_to_a_direct_degraded_answer(app_with, failure) -> None:  # type: ignore[no-untyped-def]
    client = app_with(failure)
    body = client.post("/api/chat", json={"session_id": SESSION, "text": "光谷的企业找谁"}).json()
    assert body["degraded"] is True
    assert "彭华魁" in body["replies"][0]["text"]
    health = client.get("/api/health").json()
    assert health["components"]["dialogue"]["status"] == "degraded"


def test_empty_rasa_answer_still_gets_a_polite_reply(app_with) -> None:  # type: ignore[no-untyped-def]
    def rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"latest_message": {"intent": {"name": "nlu_fallback"}}})

    body = app_with(rasa).post("/api/chat", json={"session_id": SESSION, "text": "嗯"}).json()
    assert "换个说法" in body["replies"][0]["text"]
    assert body["replies"][0]["buttons"] == [{"title": "转人工", "payload": "/request_human"}]


def test_direct_mode_marks_responses_degraded(client: TestClient) -> None:
    body = client.post("/api/chat", json={"session_id": SESSION, "text": "你好"}).json()
    assert body["degraded"] is True
    assert client.get("/api/health").json()["components"]["dialogue"]["status"] == "degraded"
