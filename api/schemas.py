"""The chat contract and the assist contract. Other parts of the product rely on these shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# the shapes of a reply are the assistant's (assistant/shapes.py), re-exported: the chat
# contract is made of them
from assistant.shapes import Answer as Answer
from assistant.shapes import Button as Button
from assistant.shapes import Citation as Citation
from assistant.shapes import Handoff as Handoff
from assistant.shapes import RatingLevel as RatingLevel
from assistant.shapes import RatingPrompt as RatingPrompt
from assistant.shapes import Reply as Reply
from assistant.shapes import TicketCard as TicketCard
from knowledge.text import has_control_characters

MAX_SESSION_ID = 128  # an internal session id, as stored
MAX_CREDENTIAL = 200  # the signed credential a client holds (hotline/security/sessions.py)
SessionCredential = Annotated[str, Field(
    min_length=1, max_length=MAX_CREDENTIAL, pattern=r"^[A-Za-z0-9_.:\-]+$",
    description="the session credential issued by POST /api/sessions (or the 鄂汇办 exchange)")]
MAX_TEXT_CHARS = 1000  # a phone message; longer text is refused with a clear 422
# Row ids are 32-bit INTEGER columns (PostgreSQL); a bigger number can name no row and would
# overflow the database driver (a 500), so it is refused with a 422 like any bad input.
MAX_DB_ID = 2**31 - 1
MAX_OFFSET = 1_000_000  # paging further than this is no use to anyone
Channel = Literal["web", "wechat", "ehuiban"]
RowId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def _clean_text(value: str, limit_name: str) -> str:
    if has_control_characters(value):
        raise ValueError(f"{limit_name} contains control characters / 内容含有不可见的控制字符")
    stripped = value.strip()
    if not stripped:
        raise ValueError(f"{limit_name} must not be empty / 内容不能为空")
    return stripped


class ChatRequest(BaseModel):
    """A message from an enterprise."""

    model_config = ConfigDict(extra="ignore")

    session_id: SessionCredential
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    channel: Channel = Field(default="web", description="ignored on the web API: the channel "
                                                        "is the one the credential is bound to")

    @field_validator("text")
    @classmethod
    def _text_is_clean(cls, value: str) -> str:
        return _clean_text(value, "text")


class ChatResponse(BaseModel):
    """What the assistant says back."""

    session_id: str
    replies: list[Reply]
    intent: str | None
    answer: Answer | None
    handoff: Handoff | None = None
    degraded: bool = Field(default=False,
                           description="answered without the dialogue server (down or off)")
    turn_id: int | None = Field(default=None, description="for the helpful/not-helpful vote")
    tickets: list[TicketCard] = Field(default_factory=list,
                                      description="ticket status cards (我的工单进度)")
    rating: RatingPrompt | None = Field(default=None, description="show the 好差评 widget")
    watch_inbox: bool = Field(
        default=False, description="this turn booked or moved an appointment: its reminder "
        "will reach the session's inbox (GET /api/notifications), so watch it")


class SuggestRequest(BaseModel):
    """A question a hotline staff member is handling."""

    question: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    k: int = Field(default=3, ge=1, le=10)

    @field_validator("question")
    @classmethod
    def _question_is_clean(cls, value: str) -> str:
        return _clean_text(value, "question")


class Suggestion(BaseModel):
    """A ranked suggested answer with its source."""

    rank: int
    text: str
    confidence: float
    reliable: bool
    citation: Citation


class SuggestResponse(BaseModel):
    """Suggested answers, best first."""

    question: str
    suggestions: list[Suggestion]
    count: int


class ComponentHealth(BaseModel):
    """One component's state."""

    status: Literal["ok", "degraded", "down"]
    detail: str = ""


class HealthResponse(BaseModel):
    """Overall state and each component's."""

    status: Literal["ok", "degraded", "down"]
    components: dict[str, ComponentHealth]
