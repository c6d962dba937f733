"""The chat contract: one message in, the assistant's replies out (see :mod:`api.dialogue.chat`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ChatDep, RuntimeDep, client_ip, throttle, verify_session
from api.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/api", tags=["chat"])


@router.post("/chat", response_model=ChatResponse)
async def create_chat_turn(request: ChatRequest, chat: ChatDep, runtime: RuntimeDep,
                           http: Request) -> ChatResponse:
    """Answer one message from an enterprise (``session_id``: the credential issued by
    ``POST /api/sessions``; 401 otherwise, 429 when a client sends faster than a person)."""
    session = verify_session(runtime, request.session_id)
    throttle(runtime, "chat.ip", client_ip(http))
    throttle(runtime, "chat.session", session.session_id)
    turn = request.model_copy(update={"session_id": session.session_id,
                                      "channel": session.channel})
    response = await chat.handle(turn)
    return response.model_copy(update={"session_id": request.session_id})
