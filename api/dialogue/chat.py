"""One chat turn, whatever the channel: through the dialogue server, or directly when it is down.

The web route, the H5 page and the WeChat channel all call :meth:`ChatService.handle`, so
every channel gets the same dialogue, answers, citations, handoff and ratings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from api.dialogue.rasa_client import DialogueUnavailable, RasaClient
from api.dialogue.responses import to_turn
from api.runtime import Runtime
from api.schemas import Answer, Button, ChatRequest, ChatResponse, Reply
from assistant.answers import ComposedAnswer
from assistant.direct_tickets import DirectTickets

log = logging.getLogger(__name__)


def to_answer(composed: ComposedAnswer | None) -> Answer | None:
    """Map a composed answer onto the contract's ``answer`` field (None when declining)."""
    if composed is None:
        return None
    return Answer(confidence=composed.confidence,
                  citations=list(composed.citations))


class ChatService:
    """Answers one message: Rasa decides; the direct assistant stands in when Rasa cannot."""

    def __init__(self, runtime: Runtime, dialogue: RasaClient | None,
                 on_turn: Callable[[str, str], None] | None = None) -> None:
        self.runtime = runtime
        self.dialogue = dialogue
        self.on_turn = on_turn  # (channel, outcome) of every turn, e.g. for metrics

    async def handle(self, request: ChatRequest) -> ChatResponse:
        """The assistant's response to one message."""
        if self.dialogue is not None:
            try:
                return await self._through_dialogue(request, self.dialogue)
            except DialogueUnavailable as exc:
                log.warning("dialogue server unavailable, answering directly: %s", exc)
        return await self._direct(request)

    async def _record(self, request: ChatRequest, intent: str | None, outcome: str,
                      answer: Answer | None) -> int | None:
        """Store the turn (what was asked, what was decided, the first citation)."""
        top = answer.citations[0] if answer and answer.citations else None
        if self.on_turn is not None:
            self.on_turn(request.channel, outcome)
        return await run_in_threadpool(
            self.runtime.conversation_log.record, session_id=request.session_id,
            channel=request.channel, text=request.text, intent=intent, outcome=outcome,
            confidence=answer.confidence if answer else None,
            top_doc_id=top.doc_id if top else None, top_section=top.section if top else None)

    async def _through_dialogue(self, request: ChatRequest,
                                dialogue: RasaClient) -> ChatResponse:
        messages = await dialogue.send(request.session_id, request.text,
                                       {"channel": request.channel})
        turn = to_turn(messages)
        intent = turn.intent or await dialogue.latest_intent(request.session_id)
        turn_id = await self._record(request, intent, turn.outcome or "dialogue", turn.answer)
        return ChatResponse(session_id=request.session_id, replies=turn.replies, intent=intent,
                            answer=turn.answer, handoff=turn.handoff, turn_id=turn_id,
                            tickets=turn.tickets, rating=turn.rating)

    async def _direct(self, request: ChatRequest) -> ChatResponse:
        tickets = DirectTickets(self.runtime.tickets, self.runtime.ratings,
                                self.runtime.conversation_log, self.runtime.knowledge.directory,
                                self.runtime.throttle)
        handled = await run_in_threadpool(tickets.respond, request.session_id, request.channel,
                                          request.text)
        if handled is not None:
            turn_id = await self._record(request, handled.intent, handled.outcome or "dialogue",
                                         None)
            return ChatResponse(session_id=request.session_id, replies=handled.replies,
                                intent=handled.intent, answer=None, handoff=handled.handoff,
                                degraded=True, turn_id=turn_id, tickets=handled.tickets,
                                rating=handled.rating)
        turn = await run_in_threadpool(self.runtime.assistant().respond, request.text)
        replies = [Reply(text=text) for text in turn.texts]
        replies[-1].buttons = [Button(title=title, payload=payload)
                               for title, payload in turn.buttons]
        answer = to_answer(turn.answer)
        turn_id = await self._record(request, turn.intent, turn.outcome, answer)
        return ChatResponse(session_id=request.session_id, replies=replies, intent=turn.intent,
                            answer=answer, degraded=True, turn_id=turn_id)
