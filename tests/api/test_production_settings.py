"""DXE_ENV=production refuses empty, short and placeholder secrets, naming each problem
(hotline/security/production.py); development starts with whatever is set, and ``make run``
generates the Rasa secrets per run (api/supervisor.py)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.supervisor import run_stack, with_run_secrets
from hotline.security.production import (
    ProductionSettingsError,
    check_production,
    enforce_production,
    weakness,
)
from hotline.settings import Settings, WeChatConfig

WECHAT_OFF = WeChatConfig(_env_file=None, TOKEN=None)
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, a 32-byte key


def strong() -> str:
    return secrets.token_urlsafe(32)


def production(**fields: Any) -> Settings:
    """Production settings, every secret strong unless ``fields`` says otherwise."""
    values: dict[str, Any] = {
        "ENV": "production", "RASA_URL": "http://127.0.0.1:5005", "RASA_TOKEN": strong(),
        "RASA_JWT_SECRET": strong(), "SESSION_SECRET": strong(), "EHUIBAN_SECRET": None,
        "NOTIFY_WEBHOOK_URL": "", "NOTIFY_WEBHOOK_SECRET": None}
    values.update(fields)
    return Settings(_env_file=None, **values)


def test_strong_secrets_pass() -> None:
    assert check_production(production(), WECHAT_OFF) == []
    enforce_production(production(), WECHAT_OFF)  # does not raise


def test_development_never_refuses() -> None:
    settings = production(ENV="development", RASA_TOKEN=None, RASA_JWT_SECRET="changeme",
                          SESSION_SECRET=None)
    enforce_production(settings, WECHAT_OFF)


@pytest.mark.parametrize("value, why", [
    (None, "is empty"), ("", "is empty"), ("   ", "is empty"),
    ("changeme", "is a known placeholder"), ("CHANGE-ME-please-1234", "is a known placeholder"),
    ("secret", "is a known placeholder"), ("dialogue-test-token", "is a known placeholder"),
    ("your-secret-here-0000", "is a known placeholder"),
    ("x" * 40, "is one repeated character"),
    ("k3Jd9!aQ", "is shorter than 16 characters"),
])
def test_weak_secrets(value: str | None, why: str) -> None:
    assert weakness(value) == why


def test_a_random_secret_is_not_weak() -> None:
    assert weakness(strong()) is None


def test_every_problem_is_named_without_its_value() -> None:
    settings = production(RASA_TOKEN="", RASA_JWT_SECRET="changeme", SESSION_SECRET="short1",
                          EHUIBAN_SECRET="placeholder-secret",
                          NOTIFY_WEBHOOK_URL="https://hooks.example/dxe",
                          NOTIFY_WEBHOOK_SECRET=None)
    problems = check_production(settings, WECHAT_OFF)
    text = "\n".join(problems)
    for name in ("DXE_RASA_TOKEN", "DXE_RASA_JWT_SECRET", "DXE_SESSION_SECRET",
                 "DXE_EHUIBAN_SECRET", "DXE_NOTIFY_WEBHOOK_SECRET"):
        assert sum(problem.startswith(name + " ") for problem in problems) == 1, text
    assert "changeme" not in text and "short1" not in text and "placeholder-secret" not in text
    with pytest.raises(ProductionSettingsError) as raised:
        enforce_production(settings, WECHAT_OFF)
    assert raised.value.problems == problems
    assert all(problem in str(raised.value) for problem in problems)


def test_secrets_of_what_is_off_are_not_required() -> None:
    settings = production(RASA_URL="", RASA_TOKEN=None, RASA_JWT_SECRET=None,
                          EHUIBAN_SECRET=None, NOTIFY_WEBHOOK_URL="",
                          NOTIFY_WEBHOOK_SECRET=None)
    assert check_production(settings, WECHAT_OFF) == []


def test_the_jwt_key_must_differ_from_the_action_token() -> None:
    same = strong()
    problems = check_production(production(RASA_TOKEN=same, RASA_JWT_SECRET=same), WECHAT_OFF)
    assert problems == ["DXE_RASA_JWT_SECRET equals DXE_RASA_TOKEN (the token travels in "
                        "requests; the JWT key must not)"]


def test_wechat_needs_a_strong_token_and_safe_mode() -> None:
    plaintext = WeChatConfig(_env_file=None, TOKEN="wechat")
    problems = check_production(production(), plaintext)
    assert [p.split(" ", 1)[0] for p in problems] == ["WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY"]
    safe = WeChatConfig(_env_file=None, TOKEN=secrets.token_hex(16), ENCODING_AES_KEY=AES_KEY,
                        APP_ID="wx0123456789abcdef", APP_SECRET=secrets.token_hex(16))
    assert check_production(production(), safe) == []
    placeholder_key = WeChatConfig(_env_file=None, TOKEN=secrets.token_hex(16),
                                   ENCODING_AES_KEY="A" * 43, APP_ID="wx0123456789abcdef")
    assert check_production(production(), placeholder_key) == [
        "WECHAT_ENCODING_AES_KEY is one repeated character (the WeChat channel is on)"]


def test_invalid_wechat_settings_from_the_environment_are_a_problem(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", secrets.token_hex(16))
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", "not-a-key-but-a-secret-value")
    problems = check_production(production())
    assert len(problems) == 1 and problems[0].startswith("the WECHAT_* settings are invalid")
    assert "not-a-key-but-a-secret-value" not in problems[0]


def test_the_app_refuses_to_start_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.main import create_app

    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    app = create_app(settings=production(RASA_TOKEN="changeme"))
    with (pytest.raises(ProductionSettingsError, match="DXE_RASA_TOKEN is a known placeholder"),
          TestClient(app)):
        pass  # the lifespan raised before loading the index or opening the database


def test_development_runs_get_fresh_strong_rasa_secrets() -> None:
    settings = Settings(_env_file=None, RASA_TOKEN=None, RASA_JWT_SECRET=None)
    first, second = with_run_secrets(settings), with_run_secrets(settings)
    for run in (first, second):
        assert weakness(run.RASA_TOKEN) is None and weakness(run.RASA_JWT_SECRET) is None
        assert run.RASA_TOKEN != run.RASA_JWT_SECRET
    assert first.RASA_TOKEN != second.RASA_TOKEN
    assert first.RASA_JWT_SECRET != second.RASA_JWT_SECRET
    configured = production()  # set secrets are kept, not replaced
    kept = with_run_secrets(configured)
    assert (kept.RASA_TOKEN, kept.RASA_JWT_SECRET) == (configured.RASA_TOKEN,
                                                       configured.RASA_JWT_SECRET)


def test_make_run_refuses_production_placeholders_before_starting_anything(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)

    def no_process(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("run_stack started a process")

    monkeypatch.setattr("api.supervisor.subprocess.Popen", no_process)
    assert run_stack(production(RASA_TOKEN=None)) == 2
    assert "DXE_RASA_TOKEN is empty" in capsys.readouterr().err
