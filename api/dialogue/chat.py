"""One chat turn, whatever the channel: through the dialogue server, or directly when it is down.

The web route, the H5 page and the WeChat channel all call :meth:`ChatService.handle`, so
every channel gets the same dialogue, answers, citations, handoff and ratings.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from api.dialogue.rasa_client import DialogueUnavailable
from api.dialogue.rasa_pool import DialogueClient
from api.dialogue.responses import to_turn
from api.runtime import Runtime
from api.schemas import Answer, Button, ChatRequest, ChatResponse, Reply
from assistant.answers import ComposedAnswer
from assistant.appointments import BookingDesk
from assistant.assistant import AssistantTurn
from assistant.direct_appointments import DirectAppointments
from assistant.direct_tickets import DirectTickets
from assistant.shapes import DialogueTurn
from assistant.subscriptions import DirectSubscriptions, SubscriptionDesk

log = logging.getLogger(__name__)


def to_answer(composed: ComposedAnswer | None) -> Answer | None:
    """Map a composed answer onto the contract's ``answer`` field (None when declining)."""
    if composed is None:
        return None
    return Answer(confidence=composed.confidence,
                  citations=list(composed.citations))


def _replies(turn: AssistantTurn) -> list[Reply]:
    """The direct assistant's texts as replies, its buttons on the last one."""
    replies = [Reply(text=text) for text in turn.texts]
    replies[-1].buttons = [Button(title=title, payload=payload) for title, payload in turn.buttons]
    return replies


INBOX_OUTCOMES = frozenset({"booked", "rescheduled"})  # a reminder will follow: watch the inbox


def _watch_inbox(outcome: str | None) -> bool:
    return outcome in INBOX_OUTCOMES


REHEARSAL_PREFIX = "try:"  # the conversations of 试一试: never recorded


@dataclass(frozen=True, slots=True)
class Rehearsal:
    """The turn a first message would get, and the outcome the path that answered reported
    (None: a Rasa response of its own, such as the handoff form's first question)."""

    response: ChatResponse
    outcome: str | None


class ChatService:
    """Answers one message: Rasa decides; the direct assistant stands in when Rasa cannot."""

    def __init__(self, runtime: Runtime, dialogue: DialogueClient | None,
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

    async def rehearse(self, text: str) -> Rehearsal:
        """What a new web conversation would be answered for ``text`` (the admin console's
        试一试): the same path as :meth:`handle`, in a throwaway conversation, recorded
        nowhere; without Rasa the direct assistant answers, but no ticket is opened."""
        request = ChatRequest.model_construct(
            session_id=f"{REHEARSAL_PREFIX}{secrets.token_hex(8)}", text=text, channel="web")
        if self.dialogue is not None:
            try:
                turn, intent = await self._dialogue_turn(request, self.dialogue)
                return Rehearsal(ChatResponse(
                    session_id=request.session_id, replies=turn.replies, intent=intent,
                    answer=turn.answer, handoff=turn.handoff, tickets=turn.tickets,
                    rating=turn.rating), turn.outcome)
            except DialogueUnavailable as exc:
                log.warning("dialogue server unavailable, rehearsing directly: %s", exc)
        direct = await run_in_threadpool(self.runtime.assistant().respond, text)
        return Rehearsal(ChatResponse(session_id=request.session_id, replies=_replies(direct),
                                      intent=direct.intent, answer=to_answer(direct.answer),
                                      degraded=True), direct.outcome)

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

    async def _dialogue_turn(self, request: ChatRequest, dialogue: DialogueClient
                             ) -> tuple[DialogueTurn, str | None]:
        """Rasa's turn for the message, and the intent it recognised."""
        reply = await dialogue.send(request.session_id, request.text, {"channel": request.channel})
        turn = to_turn(reply.messages)
        # the action's payload says it, else the channel's header (bot/latest_intent.py);
        # the tracker only behind a stock REST channel
        return turn, turn.intent or reply.intent or \
            await dialogue.latest_intent(request.session_id)

    async def _through_dialogue(self, request: ChatRequest,
                                dialogue: DialogueClient) -> ChatResponse:
        turn, intent = await self._dialogue_turn(request, dialogue)
        turn_id = await self._record(request, intent, turn.outcome or "dialogue", turn.answer)
        return ChatResponse(session_id=request.session_id, replies=turn.replies, intent=intent,
                            answer=turn.answer, handoff=turn.handoff, turn_id=turn_id,
                            tickets=turn.tickets, rating=turn.rating,
                            watch_inbox=_watch_inbox(turn.outcome))

    async def _direct(self, request: ChatRequest) -> ChatResponse:
        tickets = DirectTickets(self.runtime.tickets, self.runtime.ratings,
                                self.runtime.conversation_log, self.runtime.knowledge.directory,
                                self.runtime.throttle, self.runtime.appointments.after_hours)
        booking = DirectAppointments(BookingDesk(self.runtime.appointments),
                                     self.runtime.conversation_log,
                                     self.runtime.knowledge.directory)
        subscriptions = DirectSubscriptions(SubscriptionDesk(self.runtime.subscriptions))
        handled = await run_in_threadpool(subscriptions.respond, request.session_id,
                                          request.text)
        if handled is None:
            handled = await run_in_threadpool(booking.respond, request.session_id,
                                              request.channel, request.text)
        if handled is None:
            handled = await run_in_threadpool(tickets.respond, request.session_id,
                                              request.channel, request.text)
        if handled is not None:
            turn_id = await self._record(request, handled.intent, handled.outcome or "dialogue",
                                         None)
            return ChatResponse(session_id=request.session_id, replies=handled.replies,
                                intent=handled.intent, answer=None, handoff=handled.handoff,
                                degraded=True, turn_id=turn_id, tickets=handled.tickets,
                                rating=handled.rating, watch_inbox=_watch_inbox(handled.outcome))
        turn = await run_in_threadpool(self.runtime.assistant().respond, request.text)
        replies = _replies(turn)
        answer = to_answer(turn.answer)
        turn_id = await self._record(request, turn.intent, turn.outcome, answer)
        return ChatResponse(session_id=request.session_id, replies=replies, intent=turn.intent,
                            answer=answer, degraded=True, turn_id=turn_id)
