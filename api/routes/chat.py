"""The chat contract: one message in, the assistant's replies out.

Every message goes to the Rasa dialogue server; when it is down, slow or switched off,
the direct assistant answers instead and the response says ``degraded``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import DialogueDep, RuntimeDep
from api.dialogue.rasa_client import DialogueUnavailable, RasaClient
from api.dialogue.responses import to_turn
from api.schemas import Answer, Button, ChatRequest, ChatResponse, Citation, Reply
from api.services.answers import ComposedAnswer
from api.services.runtime import Runtime

router = APIRouter(prefix="/api", tags=["chat"])
log = logging.getLogger(__name__)


def to_answer(composed: ComposedAnswer | None) -> Answer | None:
    """Map a composed answer onto the contract's ``answer`` field (None when declining)."""
    if composed is None:
        return None
    return Answer(confidence=composed.confidence,
                  citations=[Citation(**asdict(citation)) for citation in composed.citations])


async def _record(runtime: Runtime, request: ChatRequest, intent: str | None, outcome: str,
                  answer: Answer | None) -> None:
    """Store the turn (what was asked, what was decided, the first citation)."""
    top = answer.citations[0] if answer and answer.citations else None
    await run_in_threadpool(
        runtime.conversation_log.record, session_id=request.session_id, channel=request.channel,
        text=request.text, intent=intent, outcome=outcome,
        confidence=answer.confidence if answer else None,
        top_doc_id=top.doc_id if top else None, top_section=top.section if top else None)


async def _through_dialogue(request: ChatRequest, runtime: Runtime,
                            dialogue: RasaClient) -> ChatResponse:
    messages = await dialogue.send(request.session_id, request.text,
                                   {"channel": request.channel})
    turn = to_turn(messages)
    intent = turn.intent or await dialogue.latest_intent(request.session_id)
    await _record(runtime, request, intent, turn.outcome or "dialogue", turn.answer)
    return ChatResponse(session_id=request.session_id, replies=turn.replies, intent=intent,
                        answer=turn.answer, handoff=turn.handoff)


async def _direct(request: ChatRequest, runtime: Runtime) -> ChatResponse:
    turn = await run_in_threadpool(runtime.assistant().respond, request.text)
    replies = [Reply(text=text) for text in turn.texts]
    replies[-1].buttons = [Button(title=title, payload=payload) for title, payload in turn.buttons]
    answer = to_answer(turn.answer)
    await _record(runtime, request, turn.intent, turn.outcome, answer)
    return ChatResponse(session_id=request.session_id, replies=replies, intent=turn.intent,
                        answer=answer, degraded=True)


@router.post("/chat", response_model=ChatResponse)
async def create_chat_turn(request: ChatRequest, runtime: RuntimeDep,
                           dialogue: DialogueDep) -> ChatResponse:
    """Answer one message from an enterprise."""
    if dialogue is not None:
        try:
            return await _through_dialogue(request, runtime, dialogue)
        except DialogueUnavailable as exc:
            log.warning("dialogue server unavailable, answering directly: %s", exc)
    return await _direct(request, runtime)
