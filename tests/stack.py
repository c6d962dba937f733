"""A real stack for tests: the app in a uvicorn thread on a free port (serving /api/chat,
the page and the action endpoint) and a real `rasa run` subprocess from .venv-rasa (the model
`make setup` trained) with its tracker store in a temp file.

Used by tests/dialogue and tests/web; each starts its own, since tests/dialogue stops its
Rasa server on purpose.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.supervisor import (
    RASA_BIN,
    RASA_MODEL,
    free_port,
    rasa_command,
    rasa_environment,
    serve_in_thread,
    wait_until_healthy,
)

__all__ = ["TOKEN", "Stack", "free_port", "running_stack"]
from tests.paths import PROJECT_ROOT

TOKEN = "dialogue-test-token"


class Stack:
    """The running app and Rasa server."""

    def __init__(self, app_url: str, rasa: subprocess.Popen) -> None:  # type: ignore[type-arg]
        self.app_url = app_url
        self.rasa = rasa
        self.http = httpx.Client(base_url=app_url, timeout=30)

    def chat(self, session_id: str, text: str) -> dict:  # type: ignore[type-arg]
        response = self.http.post("/api/chat", json={"session_id": session_id, "text": text})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@contextmanager
def running_stack(runtime, test_settings,  # type: ignore[no-untyped-def]
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start the app (over the shared ``runtime``) and Rasa; stop both on exit."""
    from api.main import create_app

    if not (RASA_BIN.exists() and RASA_MODEL.exists()):
        pytest.fail("the Rasa environment or model is missing: run `make setup`")
    app_port, rasa_port = free_port(), free_port()
    settings = test_settings.model_copy(update={
        "RASA_URL": f"http://127.0.0.1:{rasa_port}", "RASA_TOKEN": TOKEN, "PORT": app_port,
        "RASA_TIMEOUT_SECONDS": 10.0})
    previous = runtime.settings
    runtime.settings = settings  # the action endpoint checks this token
    tracker_db: Path = tmp_path_factory.mktemp("rasa") / "tracker.db"
    log = (tmp_path_factory.mktemp("rasa-log") / "rasa.log").open("w")
    rasa = subprocess.Popen(rasa_command(RASA_MODEL, rasa_port, TOKEN), cwd=PROJECT_ROOT,
                            env=rasa_environment(settings, TOKEN, tracker_db),
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        with serve_in_thread(create_app(settings=settings, runtime=runtime), app_port):
            if not wait_until_healthy(f"http://127.0.0.1:{rasa_port}/", rasa, 240):
                pytest.fail(f"Rasa did not start; see {log.name}")
            yield Stack(f"http://127.0.0.1:{app_port}", rasa)
    finally:
        if rasa.poll() is None:
            rasa.terminate()
            rasa.wait(timeout=30)
        runtime.settings = previous
        log.close()
