"""The Rasa secrets travel in environments and Authorization headers, never on a command
line or in a URL (issue #10): the real stack (app + Rasa through bot/serve.py) is checked
from the outside — /proc, Rasa's log, and requests with missing, forged, expired or
under-privileged JWTs — and the app still chats through Rasa, not degraded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.dialogue.rasa_client import DialogueReply, RasaClient
from api.dialogue.rasa_jwt import mint_token
from hotline.settings import Settings
from tests.dialogue.conftest import Stack

pytestmark = [pytest.mark.integration]


def _secrets(stack: Stack) -> tuple[str, str]:
    assert stack.settings is not None
    token, jwt_secret = stack.settings.RASA_TOKEN, stack.settings.RASA_JWT_SECRET
    assert token and jwt_secret
    return token, jwt_secret


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _descendants(pid: int) -> list[int]:
    """``pid``'s children, grandchildren, … (Sanic workers, if Rasa ever forks any)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _status(stack: Stack, headers: dict[str, str] | None = None,
            params: dict[str, str] | None = None) -> int:
    return httpx.get(f"{stack.rasa_url}/status", headers=headers, params=params,
                     timeout=30).status_code


def test_no_secret_on_a_command_line(stack: Stack) -> None:
    token, jwt_secret = _secrets(stack)
    rasa = _cmdline(stack.rasa.pid)
    assert "-m bot.serve" in rasa and "--enable-api" in rasa  # the launcher runs Rasa
    for pid in (stack.rasa.pid, *_descendants(stack.rasa.pid), os.getpid()):  # + the app's
        line = _cmdline(pid)
        assert token not in line and jwt_secret not in line
        assert "--auth-token" not in line and "--jwt-secret" not in line


def test_the_protected_api_refuses_requests_without_a_valid_jwt(stack: Stack) -> None:
    token, jwt_secret = _secrets(stack)
    assert _status(stack) == 401  # no credentials
    assert _status(stack, params={"token": token}) == 401  # no --auth-token any more
    forged = mint_token("not-the-secret-" + jwt_secret[:8])
    assert _status(stack, {"Authorization": f"Bearer {forged}"}) == 401
    expired = mint_token(jwt_secret, lifetime=60, now=0)  # expired in 1970
    assert _status(stack, {"Authorization": f"Bearer {expired}"}) == 401
    assert _status(stack, {"Authorization": "Bearer not.a.jwt"}) in (400, 401)
    tracker = httpx.get(f"{stack.rasa_url}/conversations/t-secrets/tracker", timeout=30)
    assert tracker.status_code == 401
    assert _status(stack, {"Authorization": f"Bearer {mint_token(jwt_secret)}"}) == 200


def test_rasas_chat_webhook_takes_messages_from_the_app_only(stack: Stack) -> None:
    """Nobody who can reach Rasa's port talks to a conversation behind the app's session
    credentials and rate limits (bot/channels/guarded_rest.py)."""
    _, jwt_secret = _secrets(stack)
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "web:t-secrets-direct", "message": "你好"}
    assert httpx.post(url, json=body, timeout=30).status_code == 401
    forged = mint_token("not-the-secret-" + jwt_secret[:8])
    assert httpx.post(url, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    user = mint_token(jwt_secret, username="web:t-secrets-direct", role="user")
    assert httpx.post(url, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {user}"}).status_code == 401
    answered = httpx.post(url, json=body, timeout=60,
                          headers={"Authorization": f"Bearer {mint_token(jwt_secret)}"})
    assert answered.status_code == 200 and answered.json()


def test_a_user_role_jwt_does_not_reach_the_admin_endpoints(stack: Stack) -> None:
    _, jwt_secret = _secrets(stack)
    user = mint_token(jwt_secret, username="someone", role="user")
    assert _status(stack, {"Authorization": f"Bearer {user}"}) == 403


def test_the_app_chats_through_rasa_with_its_jwt(stack: Stack) -> None:
    _, jwt_secret = _secrets(stack)
    body = stack.chat("web:t-secrets-chat", "你好")
    assert body["degraded"] is False and body["intent"] == "greet"
    health = httpx.get(f"{stack.app_url}/api/health", timeout=30).json()
    assert health["components"]["dialogue"]["status"] == "ok"  # /status with the app's JWT

    async def latest_intent() -> str | None:
        client = RasaClient(stack.rasa_url, jwt_secret, 30.0)
        try:
            return await client.latest_intent("web:t-secrets-chat")  # the tracker, with a JWT
        finally:
            await client.close()

    assert asyncio.run(latest_intent()) == "greet"


def test_rasa_hands_back_each_messages_intent_with_its_reply(stack: Stack) -> None:
    """bot/latest_intent.py: the webhook's answer names the intent — no tracker request."""
    _, jwt_secret = _secrets(stack)

    async def send(sender: str, text: str) -> DialogueReply:
        client = RasaClient(stack.rasa_url, jwt_secret, 30.0)
        try:
            return await client.send(sender, text)
        finally:
            await client.close()

    greeting = asyncio.run(send("web:t-intent-header", "你好"))
    assert greeting.intent == "greet" and greeting.messages
    thanks = asyncio.run(send("web:t-intent-header", "好的谢谢"))
    assert thanks.intent == "thanks"  # this message's, not the conversation's first
    choice = asyncio.run(send("web:t-intent-header", '/ask_policy{"chunk": "faq-gaoqi-conditions#1"}'))
    assert choice.intent == "ask_policy"


def test_rasas_log_holds_no_secret(stack: Stack) -> None:
    token, jwt_secret = _secrets(stack)
    stack.chat("t-secrets-log", "我要转人工")  # an action call: Rasa sends the token
    assert stack.rasa_log is not None
    log = stack.rasa_log.read_text(errors="replace")
    assert "Rasa server is up and running" in log
    assert token not in log and jwt_secret not in log


def test_make_run_puts_the_secrets_in_environments_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m api.manage run``: both processes' argv are secret-free; their
    environments carry the generated secrets (no real process is started)."""
    from api import supervisor

    started: list[tuple[list[str], dict[str, str]]] = []

    class Exited:
        pid, returncode = 0, 0

        def __init__(self, argv: list[str], **kwargs: Any) -> None:
            started.append((argv, kwargs["env"]))

        def poll(self) -> int:
            return 0  # "died at once": run_stack stops waiting and returns

    monkeypatch.setattr("api.supervisor.subprocess.Popen", Exited)
    monkeypatch.setenv("DXE_SESSION_SECRET", "app-only-" + "s" * 24)
    monkeypatch.setenv("WECHAT_APP_SECRET", "app-only-" + "w" * 24)
    monkeypatch.setattr(supervisor, "RASA_BIN", Path(__file__))  # "built"
    monkeypatch.setattr(supervisor, "RASA_MODEL", Path(__file__))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        settings = Settings(_env_file=None, RASA_TOKEN=None, RASA_JWT_SECRET=None)
        assert supervisor.run_stack(settings) == 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    (rasa_argv, rasa_env), (app_argv, app_env) = started
    assert rasa_argv[1:3] == ["-m", "bot.serve"]
    token, jwt_secret = rasa_env["DXE_RASA_TOKEN"], rasa_env["DXE_RASA_JWT_SECRET"]
    assert len(token) >= 32 and len(jwt_secret) >= 32 and token != jwt_secret
    assert (app_env["DXE_RASA_TOKEN"], app_env["DXE_RASA_JWT_SECRET"]) == (token, jwt_secret)
    for argv in (rasa_argv, app_argv):
        assert not any(token in arg or jwt_secret in arg for arg in argv)
    for name in ("DXE_SESSION_SECRET", "WECHAT_APP_SECRET"):  # the app's, not Rasa's
        assert name in app_env and name not in rasa_env


def test_the_launcher_refuses_a_secret_on_its_command_line() -> None:
    python = Path(__file__).resolve().parents[2] / ".venv-rasa" / "bin" / "python"
    env = {**os.environ, "DXE_RASA_JWT_SECRET": "x" * 40}
    result = subprocess.run(
        [str(python), "-m", "bot.serve", "--enable-api", "--auth-token", "visible"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode != 0 and "--auth-token" in result.stderr
    short = subprocess.run([str(python), "-m", "bot.serve", "--enable-api"],
                           cwd=Path(__file__).resolve().parents[2],
                           env={**env, "DXE_RASA_JWT_SECRET": "short"}, capture_output=True,
                           text=True, timeout=120, check=False)
    assert short.returncode != 0 and "DXE_RASA_JWT_SECRET" in short.stderr
