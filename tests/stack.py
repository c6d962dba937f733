"""A real stack for tests: the app in a uvicorn thread on a free port (serving /api/chat,
the page and the action endpoint) and a real Rasa server subprocess from .venv-rasa (the model
`make setup` trained, started through bot/serve.py with a random JWT secret) with its tracker
store and log in a temp folder — :func:`api.supervisor.dialogue_stack`, the same one
``make eval`` and ``make bench`` use.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.supervisor import RASA_MODEL, dialogue_stack, free_port
from hotline.settings import Settings
from tests.sessions import issued

__all__ = ["TOKEN", "Stack", "free_port", "running_stack"]

TOKEN = "dialogue-test-token"


class Stack:
    """The running app and Rasa server."""

    def __init__(self, app_url: str, rasa_url: str,
                 rasa: subprocess.Popen,  # type: ignore[type-arg]
                 settings: Settings | None = None, rasa_log: Path | None = None) -> None:
        self.app_url = app_url
        self.rasa_url = rasa_url
        self.rasa = rasa
        self.settings = settings  # the stack's: its ports, token and JWT secret
        self.rasa_log = rasa_log
        self.http = httpx.Client(base_url=app_url, timeout=30)

    def chat(self, session_id: str, text: str) -> dict:  # type: ignore[type-arg]
        """One turn of the conversation ``web:<session_id>`` (credential issued for it)."""
        credential = issued(session_id if session_id.startswith("web:") else f"web:{session_id}")
        response = self.http.post("/api/chat", json={"session_id": credential, "text": text})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@contextmanager
def running_stack(runtime, test_settings,  # type: ignore[no-untyped-def]
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start the app (over the shared ``runtime``) and Rasa; stop both on exit.

    The model is the one `make setup` trains, or the one ``DXE_TEST_RASA_MODEL`` names (a
    scratch model trained on a branch whose bot/ data changed)."""
    workdir = tmp_path_factory.mktemp("rasa")
    model = Path(os.environ.get("DXE_TEST_RASA_MODEL") or RASA_MODEL)
    # A missing Rasa build or a server that does not start raises RuntimeError: an error
    # of the fixture, never a skip.
    with dialogue_stack(test_settings, workdir, TOKEN, runtime=runtime,
                        rasa_timeout=10.0, model=model) as running:
        yield Stack(running.app_url, running.rasa_url, running.rasa, running.settings,
                    workdir / "rasa.log")
