"""The enterprise's side of tickets: status cards, 好差评 ratings and answer votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.schemas import MAX_SESSION_ID, Channel, TicketCard
from api.tickets.messages import rating_thanks
from api.tickets.ratings import RatingRefused
from api.tickets.views import ticket_card

router = APIRouter(prefix="/api", tags=["tickets"])
SessionId = Annotated[str, Field(min_length=1, max_length=MAX_SESSION_ID,
                                 pattern=r"^[A-Za-z0-9_.:\-]+$")]


class TicketList(BaseModel):
    """The enterprise's tickets, newest first."""

    tickets: list[TicketCard]
    count: int


class RatingCreate(BaseModel):
    """A 5-level rating of a resolved ticket, or of the conversation when no ticket."""

    session_id: SessionId
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = Field(default="", max_length=500)
    ticket_id: str | None = Field(default=None, max_length=32)
    channel: Channel = "web"

    @field_validator("comment")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class RatingPublic(BaseModel):
    """What the rating set off."""

    rating_id: int
    level: int
    label: str
    ticket_id: str | None
    rectification_id: int | None
    message: str


class VoteCreate(BaseModel):
    """Was this answer helpful?"""

    session_id: SessionId
    turn_id: int = Field(ge=1)
    helpful: bool


@router.get("/tickets", response_model=TicketList)
async def read_my_tickets(runtime: RuntimeDep,
                          session_id: Annotated[SessionId, Query()]) -> TicketList:
    """The tickets of this session, and of the same enterprise (company + phone)."""
    tickets = await run_in_threadpool(runtime.tickets.for_identity, session_id)
    now = runtime.tickets.clock()
    cards = [TicketCard(**ticket_card(ticket, now)) for ticket in tickets]
    return TicketList(tickets=cards, count=len(cards))


@router.post("/ratings", response_model=RatingPublic, status_code=status.HTTP_201_CREATED)
async def create_rating(body: RatingCreate, runtime: RuntimeDep) -> RatingPublic:
    """Rate once per interaction and once per matter; 不满意 or worse opens a 整改 item."""
    try:
        result = await run_in_threadpool(runtime.ratings.rate, body.session_id, body.level,
                                         body.comment, body.ticket_id, body.channel)
    except RatingRefused as refused:
        code = status.HTTP_409_CONFLICT if refused.already else status.HTTP_400_BAD_REQUEST
        if "没有找到" in refused.reason:
            code = status.HTTP_404_NOT_FOUND
        raise HTTPException(code, refused.reason) from refused
    return RatingPublic(rating_id=result.rating_id, level=result.level, label=result.label,
                        ticket_id=result.ticket_id, rectification_id=result.rectification_id,
                        message=rating_thanks(result))


@router.post("/feedback")
async def create_vote(body: VoteCreate, runtime: RuntimeDep) -> dict[str, bool]:
    """A quick helpful / not-helpful vote on one answer."""
    try:
        await run_in_threadpool(runtime.ratings.vote, body.session_id, body.turn_id,
                                body.helpful)
    except RatingRefused as refused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, refused.reason) from refused
    return {"ok": True}
