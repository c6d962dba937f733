"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dialogue.rasa_client import RasaClient
from api.services.chat import ChatService
from api.services.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, created in the app's lifespan."""
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_dialogue(request: Request) -> RasaClient | None:
    """The client of the Rasa server, or None when the app runs in direct mode."""
    return request.app.state.dialogue  # type: ignore[no-any-return]


def get_chat(request: Request) -> ChatService:
    """The chat service every channel answers through."""
    return request.app.state.chat  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DialogueDep = Annotated[RasaClient | None, Depends(get_dialogue)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
