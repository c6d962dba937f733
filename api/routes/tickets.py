"""The enterprise's side of tickets: status cards, 好差评 ratings and answer votes."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, SessionQueryDep, client_ip, throttle, verify_session
from api.schemas import MAX_DB_ID, Channel, SessionCredential, TicketCard
from hotline.tickets.links import ClaimRefused
from hotline.tickets.messages import rating_thanks
from hotline.tickets.ratings import RatingRefused
from hotline.tickets.views import ticket_card

router = APIRouter(prefix="/api", tags=["tickets"])


class TicketList(BaseModel):
    """The enterprise's tickets, newest first."""

    tickets: list[TicketCard]
    count: int


class RatingCreate(BaseModel):
    """A 5-level rating of a resolved ticket, or of the conversation when no ticket."""

    session_id: SessionCredential
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = Field(default="", max_length=500)
    ticket_id: str | None = Field(default=None, max_length=32)
    channel: Channel = Field(default="web", description="ignored: the credential's channel")

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

    session_id: SessionCredential
    turn_id: int = Field(ge=1, le=MAX_DB_ID)
    helpful: bool


class TicketClaim(BaseModel):
    """Proof that a ticket opened elsewhere (another device, a phone call) is this caller's."""

    session_id: SessionCredential
    ticket_id: str = Field(min_length=1, max_length=32, description="e.g. DXE20261201-3F9A1C")
    phone: str = Field(min_length=5, max_length=32, description="the phone given for it")


@router.get("/tickets", response_model=TicketList)
async def read_my_tickets(runtime: RuntimeDep, session: SessionQueryDep) -> TicketList:
    """The tickets of this session and the ones it proved are its own (``/tickets/claim``)."""
    tickets = await run_in_threadpool(runtime.tickets.for_identity, session.session_id)
    now = runtime.tickets.clock()
    cards = [TicketCard(**ticket_card(ticket, now)) for ticket in tickets]
    return TicketList(tickets=cards, count=len(cards))


@router.post("/tickets/claim", response_model=TicketCard)
async def create_ticket_claim(body: TicketClaim, runtime: RuntimeDep,
                              http: Request) -> TicketCard:
    """Link a ticket to this session by its number and the phone given for it; a few tries
    per quarter-hour per session, per hour per address and per day per ticket."""
    session = verify_session(runtime, body.session_id)
    ticket_id = body.ticket_id.strip().upper()
    throttle(runtime, "claim.session", session.session_id)
    throttle(runtime, "claim.ip", client_ip(http))
    throttle(runtime, "claim.ticket", ticket_id)
    try:
        ticket = await run_in_threadpool(runtime.ticket_links.claim, session.session_id,
                                         ticket_id, body.phone)
    except ClaimRefused as refused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, refused.reason) from refused
    return TicketCard(**ticket_card(ticket, runtime.tickets.clock()))


@router.post("/ratings", response_model=RatingPublic, status_code=status.HTTP_201_CREATED)
async def create_rating(body: RatingCreate, runtime: RuntimeDep, http: Request) -> RatingPublic:
    """Rate once per interaction and once per matter; 不满意 or worse opens a 整改 item.
    Only tickets of this session (or proven its own) can be rated."""
    session = verify_session(runtime, body.session_id)
    throttle(runtime, "rating.ip", client_ip(http))
    throttle(runtime, "rating.session", session.session_id)
    try:
        result = await run_in_threadpool(runtime.ratings.rate, session.session_id, body.level,
                                         body.comment, body.ticket_id, session.channel)
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
    """A quick helpful / not-helpful vote on one answer of this session."""
    session = verify_session(runtime, body.session_id)
    throttle(runtime, "feedback.session", session.session_id)
    try:
        await run_in_threadpool(runtime.ratings.vote, session.session_id, body.turn_id,
                                body.helpful)
    except RatingRefused as refused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, refused.reason) from refused
    return {"ok": True}
