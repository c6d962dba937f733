"""鄂汇办's signed user token: verified when configured, 404 when not."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.channels.ehuiban import sign

SECRET = "ehuiban-shared-secret-for-tests"


@pytest.fixture(scope="module")
def configured(test_settings, knowledge,  # type: ignore[no-untyped-def]
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with the 鄂汇办 secret set, over its own runtime and database.

    The shared ``runtime`` is never touched. Greetings need no index, so this runtime loads
    no model (the chat turn below is answered by the direct rules).
    """
    from api.main import create_app
    from api.runtime import IndexState, Runtime
    from hotline.conversations.log import ConversationLog
    from hotline.db import init_schema, make_engine, make_session_factory

    url = f"sqlite:///{tmp_path_factory.mktemp('ehuiban') / 'app.sqlite3'}"
    settings = test_settings.model_copy(update={"EHUIBAN_SECRET": SECRET, "DATABASE_URL": url})
    engine = make_engine(url)
    init_schema(engine)
    sessions = make_session_factory(engine)
    runtime = Runtime(settings, knowledge, engine, sessions, ConversationLog(sessions),
                      embedder=None, searcher=None, index_state=IndexState(False, "not loaded"))
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


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
                                              "channel": "web"})  # the credential decides
    assert chat.status_code == 200 and chat.json()["intent"] == "greet"
    runtime = configured.app.state.runtime  # type: ignore[attr-defined]
    stored = runtime.session_issuer.verify(session_id).session_id
    assert runtime.conversation_log.recent(stored)[-1].channel == "ehuiban"
    # the id alone (as staff and logs see it) opens nothing
    unsigned = configured.post("/api/chat", json={"session_id": stored, "text": "你好"})
    assert unsigned.status_code == 401


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
