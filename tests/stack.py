"""A real stack for tests: the app in a uvicorn thread on a free port (serving /api/chat,
the page and the action endpoint) and a real `rasa run` subprocess from .venv-rasa (the model
`make setup` trained) with its tracker store in a temp folder — :func:`api.supervisor.dialogue_stack`,
the same one ``make eval`` and ``make bench`` use.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from api.supervisor import dialogue_stack, free_port

__all__ = ["TOKEN", "Stack", "free_port", "running_stack"]

TOKEN = "dialogue-test-token"


class Stack:
    """The running app and Rasa server."""

    def __init__(self, app_url: str, rasa_url: str,
                 rasa: subprocess.Popen) -> None:  # type: ignore[type-arg]
        self.app_url = app_url
        self.rasa_url = rasa_url
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
    workdir = tmp_path_factory.mktemp("rasa")
    # A missing Rasa build or a server that does not start raises RuntimeError: an error
    # of the fixture, never a skip.
    with dialogue_stack(test_settings, workdir, TOKEN, runtime=runtime,
                        rasa_timeout=10.0) as running:
        yield Stack(running.app_url, running.rasa_url, running.rasa)
