"""Two Rasa replicas sharing one conversation: PostgreSQL tracker store, Redis lock store.

Both replicas run with bot/endpoints.replicas.yml (the configuration DXE_RASA_ENDPOINTS
selects) against a throwaway database on the local PostgreSQL and the local Redis, and
share one app as their action server. Turn 1 of the handoff goes to replica A, turn 2 to
replica B: B can only continue the form if it read A's conversation from PostgreSQL. Every
turn also takes the conversation's lock in Redis (a lock store that cannot reach Redis
fails the turn), so successful turns on both replicas show the lock store works too.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.dialogue.rasa_jwt import mint_token
from api.supervisor import (
    RASA_BIN,
    RASA_MODEL,
    free_port,
    rasa_command,
    rasa_environment,
    serve_in_thread,
    shared_store_environment,
    wait_until_healthy,
    with_run_secrets,
)
from tests.databases import POSTGRES_URL, REDIS_URL, postgres_available, redis_available
from tests.paths import PROJECT_ROOT
from tests.requirements import skip_unless_ci
from tests.stack import TOKEN

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPLICA_ENDPOINTS = Path("bot/endpoints.replicas.yml")
START_TIMEOUT_SECONDS = 300


@dataclass
class Replicas:
    """Two running Rasa replicas and the tracker database they share."""

    a: str
    b: str
    database_url: sa.engine.URL
    jwt_secret: str
    process_a: subprocess.Popen  # type: ignore[type-arg]

    def stop_a(self) -> None:
        _stop(self.process_a)

    def send(self, replica: str, sender: str, text: str) -> list[dict[str, Any]]:
        response = httpx.post(f"{replica}/webhooks/rest/webhook",
                              json={"sender": sender, "message": text}, timeout=60,
                              headers={"Authorization": f"Bearer {mint_token(self.jwt_secret)}"})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def tracker(self, replica: str, sender: str) -> dict[str, Any]:
        response = httpx.get(f"{replica}/conversations/{sender}/tracker",
                             params={"include_events": "NONE"}, timeout=30,
                             headers={"Authorization": f"Bearer {mint_token(self.jwt_secret)}"})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def _throwaway_database() -> tuple[sa.Engine, str, sa.engine.URL]:
    """Create an empty database; returns the admin engine, its name and its URL."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"dxe_replicas_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return admin, name, sa.engine.make_url(POSTGRES_URL).set(database=name)


def _replica_environment(settings: Any, database: sa.engine.URL, tmp: Path) -> dict[str, str]:
    return {**rasa_environment(settings, tmp / "unused-sqlite-tracker.db"),
            **shared_store_environment(database.render_as_string(hide_password=False),
                                       REDIS_URL, f"dxetest{secrets.token_hex(4)}")}


def _stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def replicas(runtime, test_settings,  # type: ignore[no-untyped-def]
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """The app (one action server) and two Rasa replicas on PostgreSQL + Redis."""
    from api.main import create_app

    if not postgres_available():
        skip_unless_ci(f"PostgreSQL is not reachable at {POSTGRES_URL}: start the local "
                       "server or point DXE_TEST_POSTGRES_URL at one")
    if not redis_available():
        skip_unless_ci(f"Redis is not reachable at {REDIS_URL}: start the local server")
    if not (RASA_BIN.exists() and RASA_MODEL.exists()):
        pytest.fail("the Rasa environment or model is missing: run `make setup`")
    tmp = tmp_path_factory.mktemp("replicas")
    app_port, port_a, port_b = free_port(), free_port(), free_port()
    settings = with_run_secrets(test_settings.model_copy(update={
        "RASA_URL": f"http://127.0.0.1:{port_a}", "RASA_TOKEN": TOKEN, "PORT": app_port,
        "RASA_ENDPOINTS": REPLICA_ENDPOINTS, "RASA_JWT_SECRET": None}))
    previous = runtime.settings
    runtime.settings = settings  # the action endpoint checks this token
    admin, name, database = _throwaway_database()
    env = _replica_environment(settings, database, tmp)
    logs = [(tmp / f"rasa-{label}.log").open("w") for label in ("a", "b")]
    processes = [subprocess.Popen(rasa_command(RASA_MODEL, port, settings.RASA_ENDPOINTS),
                                  cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                 for port, log in zip((port_a, port_b), logs, strict=True)]
    try:
        with serve_in_thread(create_app(settings=settings, runtime=runtime), app_port):
            for port, process, log in zip((port_a, port_b), processes, logs, strict=True):
                if not wait_until_healthy(f"http://127.0.0.1:{port}/", process,
                                          START_TIMEOUT_SECONDS):
                    pytest.fail(f"a Rasa replica did not start; see {log.name}")
            yield Replicas(f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}",
                           database, str(settings.RASA_JWT_SECRET), processes[0])
    finally:
        for process in processes:
            _stop(process)
        for log in logs:
            log.close()
        runtime.settings = previous
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_replica_b_continues_the_form_replica_a_started(replicas: Replicas) -> None:
    sender = f"replica-{secrets.token_hex(4)}"

    first = replicas.send(replicas.a, sender, "我要转人工")
    assert len(first[-1].get("buttons") or []) == 14  # A asks which district

    second = replicas.send(replicas.b, sender, "光谷")
    text = " ".join(message.get("text") or "" for message in second)
    # B knew the form was waiting for the district: it took 光谷 and asks for the company,
    # instead of treating a bare place name as a liaison question (彭华魁 …).
    assert "公司" in text and "彭华魁" not in text, text

    for replica in (replicas.a, replicas.b):  # both replicas now see the same state
        tracker = replicas.tracker(replica, sender)
        assert (tracker.get("active_loop") or {}).get("name") == "handoff_form"
        assert tracker["slots"]["district"] == "东湖高新区"
        assert tracker["slots"]["requested_slot"] == "company"


def test_the_conversation_is_stored_in_postgresql(replicas: Replicas) -> None:
    sender = f"replica-{secrets.token_hex(4)}"
    replicas.send(replicas.a, sender, "你好")
    replicas.send(replicas.b, sender, "我要转人工")

    engine = sa.create_engine(replicas.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT type_name, count(*) FROM events WHERE sender_id = :sender "
                "GROUP BY type_name"), {"sender": sender}).all()
    finally:
        engine.dispose()
    counts = {type_name: count for type_name, count in rows}
    assert counts.get("user") == 2  # one turn through each replica
    assert counts.get("action", 0) >= 2 and counts.get("active_loop", 0) >= 1


def test_the_app_spreads_conversations_over_both_and_moves_on_when_one_is_down(  # type: ignore[no-untyped-def]
        replicas: Replicas, runtime) -> None:
    """DXE_RASA_URL naming both replicas (api/dialogue/rasa_pool.py). Last in the module:
    it stops replica A."""
    from fastapi.testclient import TestClient

    from api.dialogue.rasa_pool import RasaPool
    from api.main import create_app
    from tests.sessions import internal_id, new_session

    pooled = runtime.settings.model_copy(update={
        "RASA_URL": f"{replicas.a},{replicas.b}", "RASA_JWT_SECRET": replicas.jwt_secret})
    with TestClient(create_app(settings=pooled, runtime=runtime)) as client:
        pool = client.app.state.dialogue  # type: ignore[attr-defined]
        assert isinstance(pool, RasaPool)
        sessions: dict[int, str] = {}
        while len(sessions) < 2:  # a conversation at home on each replica
            credential = new_session(client)
            sessions.setdefault(pool.home(internal_id(runtime, credential)), credential)

        def chat(credential: str, text: str) -> dict[str, Any]:
            response = client.post("/api/chat", json={"session_id": credential, "text": text})
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        for home, credential in sessions.items():
            reply = chat(credential, "我要转人工")
            assert not reply["degraded"] and len(reply["replies"][-1]["buttons"]) == 14
            sender = internal_id(runtime, credential)
            assert replicas.tracker((replicas.a, replicas.b)[home], sender)["slots"][
                "requested_slot"] == "district"

        replicas.stop_a()
        at_a = sessions[0]  # its replica is gone: the next turn goes to B, form and all
        reply = chat(at_a, "光谷")
        text = " ".join(r.get("text") or "" for r in reply["replies"])
        assert not reply["degraded"] and "公司" in text and "彭华魁" not in text, text
