"""The container files cannot be built here; these checks keep them in step with what the
tests run: the same settings, the same commands, the same Rasa variables."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from api.supervisor import REPLICA_DEFAULTS, rasa_command
from hotline.settings import Settings
from tests.paths import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    return loaded


def _exec_form(dockerfile: Path, instruction: str) -> list[str]:
    """The JSON array of a Dockerfile's CMD or ENTRYPOINT (line continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [line for line in text.splitlines() if line.startswith(f"{instruction} ")]
    assert len(lines) == 1, f"{dockerfile.name}: one {instruction} expected"
    return list(json.loads(lines[0].removeprefix(f"{instruction} ")))


def test_every_app_variable_in_compose_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    app_env = _compose()["services"]["app"]["environment"]
    for name in app_env:
        if name.startswith("DXE_"):
            assert name.removeprefix("DXE_") in fields, name
        elif name.startswith("WECHAT_"):
            assert name in fields, name
        else:
            assert name == "FORWARDED_ALLOW_IPS", name  # uvicorn's own


def test_the_rasa_replicas_get_every_variable_their_endpoints_file_reads() -> None:
    endpoints = (PROJECT_ROOT / "bot" / "endpoints.replicas.yml").read_text(encoding="utf-8")
    wanted = set(re.findall(r"\$\{(DXE_\w+)\}", endpoints))
    rasa_env = set(_compose()["services"]["rasa"]["environment"])
    assert wanted <= rasa_env, wanted - rasa_env
    assert set(REPLICA_DEFAULTS) <= rasa_env | {"DXE_RASA_TRACKER_DB"}


def test_the_images_run_the_commands_the_tests_run() -> None:
    assert _exec_form(DEPLOY / "Dockerfile.app", "CMD") == ["python", "-m", "api.manage",
                                                             "serve"]
    entry = _exec_form(DEPLOY / "Dockerfile.rasa", "ENTRYPOINT")
    args = _exec_form(DEPLOY / "Dockerfile.rasa", "CMD")
    local = rasa_command(Path("var/rasa/models/dianxiaoer.tar.gz"), 5005,
                         Path("bot/endpoints.replicas.yml"))
    assert entry == ["python", "-m", local[2]]  # bot.serve, the JWT-secret launcher
    expected = [Path(a).relative_to(PROJECT_ROOT).as_posix() if a.startswith("/") else a
                for a in local[3:]]
    assert args == [a if a != "127.0.0.1" else "0.0.0.0" for a in expected]


def test_the_proxy_keeps_internal_routes_inside() -> None:
    proxy = (DEPLOY / "nginx.conf.template").read_text(encoding="utf-8")
    assert "location = /metrics" in proxy and "location /webhook/actions" in proxy
