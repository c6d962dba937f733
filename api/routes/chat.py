"""The chat contract: one message in, the assistant's replies out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.schemas import Answer, Button, ChatRequest, ChatResponse, Citation, Reply
from api.services.answers import ComposedAnswer

router = APIRouter(prefix="/api", tags=["chat"])


def to_answer(composed: ComposedAnswer | None) -> Answer | None:
    """Map a composed answer onto the contract's ``answer`` field (None when declining)."""
    if composed is None:
        return None
    return Answer(confidence=composed.confidence,
                  citations=[Citation(**asdict(citation)) for citation in composed.citations])


@router.post("/chat", response_model=ChatResponse)
async def create_chat_turn(request: ChatRequest, runtime: RuntimeDep) -> ChatResponse:
    """Answer one message from an enterprise."""
    turn = await run_in_threadpool(runtime.assistant().respond, request.text)
    replies = [Reply(text=text) for text in turn.texts]
    replies[-1].buttons = [Button(title=title, payload=payload) for title, payload in turn.buttons]
    top = turn.answer.citations[0] if turn.answer and turn.answer.citations else None
    await run_in_threadpool(
        runtime.conversation_log.record, session_id=request.session_id, channel=request.channel,
        text=request.text, intent=turn.intent, outcome=turn.outcome,
        confidence=turn.answer.confidence if turn.answer else None,
        top_doc_id=top.doc_id if top else None, top_section=top.section if top else None)
    return ChatResponse(session_id=request.session_id, replies=replies, intent=turn.intent,
                        answer=to_answer(turn.answer))
