"""What the assistant answers with: replies and their buttons, citations, handoffs, ticket
cards and rating prompts (pydantic models, part of the chat contract of api/schemas.py), and
:class:`DialogueTurn`, one turn of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field


class Button(BaseModel):
    """A quick reply the user can tap; ``payload`` is sent back as the next message."""

    title: str
    payload: str


class Reply(BaseModel):
    """One message bubble from the assistant (plain text, never HTML)."""

    text: str
    buttons: list[Button] = Field(default_factory=list)


class Citation(BaseModel):
    """Where an answer comes from: document, 文号 and clause."""

    doc_id: str
    title: str
    doc_number: str | None
    section: str
    snippet: str
    score: float


class Answer(BaseModel):
    """An answer from the knowledge base, with its calibrated confidence and sources."""

    confidence: float
    citations: list[Citation]


class Handoff(BaseModel):
    """A question handed to a person: the ticket and who owns it."""

    ticket_id: str
    district: str | None
    leader: str | None
    department: str | None
    contact: str | None
    status: str
    due_at: str | None


class TicketCard(BaseModel):
    """A ticket as the enterprise sees it: status, who owns it, by when."""

    ticket_id: str
    status: str
    status_label: str
    question: str
    district: str | None
    owner: str
    due_at: str | None
    overdue: bool = False


class RatingLevel(BaseModel):
    """One of the five 好差评 levels."""

    value: int
    label: str


class RatingPrompt(BaseModel):
    """Ask the enterprise to rate a ticket (``ticket_id``) or this conversation (None)."""

    ticket_id: str | None
    levels: list[RatingLevel]


@dataclass(slots=True)
class DialogueTurn:
    """Replies, and what the actions reported about the turn."""

    replies: list[Reply] = field(default_factory=list)
    intent: str | None = None
    outcome: str | None = None
    answer: Answer | None = None
    handoff: Handoff | None = None
    tickets: list[TicketCard] = field(default_factory=list)
    rating: RatingPrompt | None = None
