"""The chat contract: one message in, the assistant's replies out (see :mod:`api.services.chat`)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ChatDep
from api.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/api", tags=["chat"])


@router.post("/chat", response_model=ChatResponse)
async def create_chat_turn(request: ChatRequest, chat: ChatDep) -> ChatResponse:
    """Answer one message from an enterprise."""
    return await chat.handle(request)
