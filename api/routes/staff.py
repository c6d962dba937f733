"""Hotline staff: tickets (list, view with history, act on them) and rectifications."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.runtime import Runtime
from api.schemas import MAX_DB_ID, MAX_OFFSET
from hotline.security.accounts import StaffMember
from hotline.tickets.lifecycle import Status, TransitionError
from hotline.tickets.models import Ticket
from hotline.tickets.queues import Viewer
from hotline.tickets.service import NewTicket, TicketFilter, TicketNotFound
from hotline.tickets.views import conversation_before, ticket_detail

router = APIRouter(prefix="/api/staff", tags=["staff"])

# path parameters: a ticket number (DXE20261125-3FA9C1) and a 整改 item's row id
TicketId = Annotated[str, Path(min_length=1, max_length=32)]
ItemId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
Reader = Annotated[StaffMember, Depends(require("tickets.read"))]
Actor = Annotated[StaffMember, Depends(require("tickets.act"))]
Creator = Annotated[StaffMember, Depends(require("tickets.create"))]
RectificationReader = Annotated[StaffMember, Depends(require("rectifications.read"))]
Caller = Annotated[StaffMember, Depends(require("rectifications.callback"))]
Closer = Annotated[StaffMember, Depends(require("rectifications.close"))]
QueueName = Literal["mine", "district", "triage", "overdue", "rating", "open"]
StaffAction = Literal["assign", "transfer", "contact", "resolve", "close", "reopen", "escalate",
                      "note"]


class TicketActionCreate(BaseModel):
    """One step on a ticket; ``to_owner`` for assign/transfer, ``resolution`` for resolve."""

    action: StaffAction
    note: str = Field(default="", max_length=2000)
    to_owner: str | None = Field(default=None, max_length=64)
    to_role: Literal["staff", "liaison", "leader", "hotline"] = "staff"
    resolution: str | None = Field(default=None, max_length=4000)


class TicketCreate(BaseModel):
    """A matter a staff member took on the phone or at the counter (they are its 首问)."""

    question: str = Field(min_length=1, max_length=4000)
    company: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32, description="name or alias")
    kind: Literal["consult", "complaint"] = "consult"
    channel: Literal["phone", "counter", "web", "wechat", "ehuiban"] = "phone"


class CallBackCreate(BaseModel):
    """A 回访 call: was the enterprise satisfied with the rectification?"""

    satisfied: bool
    note: str = Field(default="", max_length=2000)


class RectificationClose(BaseModel):
    """What was done."""

    outcome: str = Field(min_length=1, max_length=2000)


def _not_found(ticket_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到工单 {ticket_id} / no such ticket")


async def visible_ticket(runtime: Runtime, staff: StaffMember, ticket_id: str) -> Ticket:
    """The ticket, if ``staff`` may work on it; the same 404 otherwise (a liaison does not
    learn that other districts' tickets exist)."""
    try:
        ticket = await run_in_threadpool(runtime.tickets.get, ticket_id)
    except TicketNotFound:
        raise _not_found(ticket_id) from None
    if not staff.may_work_on(ticket.district, ticket.owner):
        raise _not_found(ticket_id)
    return ticket


async def ticket_step(runtime: Runtime, ticket_id: str, step: Callable[[], Ticket]) -> Ticket:
    """Run one ticket step: 404 for a ticket gone meanwhile, 409 for a step its status does
    not allow."""
    try:
        return await run_in_threadpool(step)
    except TicketNotFound:
        raise _not_found(ticket_id) from None
    except TransitionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.get("/tickets")
async def read_tickets(runtime: RuntimeDep, staff: Reader,
                       status_: Annotated[Status | None, Query(alias="status")] = None,
                       district: Annotated[str | None, Query(max_length=32)] = None,
                       owner: Annotated[str | None, Query(max_length=64)] = None,
                       overdue: bool | None = None,
                       queue: QueueName | None = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    """Tickets, newest first, filtered by status, district, owner, overdue; or one of the
    caller's work queues (``GET /api/staff/queues``), most urgent first. A liaison sees only
    their district's and their own."""
    liaison = staff.role == "liaison"
    where = TicketFilter(status=status_.value if status_ else None, district=district,
                         owner=owner, overdue=overdue, limit=limit, offset=offset,
                         visible_district=staff.district if liaison else None,
                         visible_owner=staff.name if liaison else None, queue=queue,
                         queue_viewer=Viewer(staff.name, staff.role, staff.district))
    tickets, count = await run_in_threadpool(runtime.tickets.list, where)
    now = runtime.tickets.clock()
    return {"data": [ticket_detail(t, now) for t in tickets], "count": count}


@router.post("/tickets", status_code=status.HTTP_201_CREATED)
async def create_ticket(body: TicketCreate, runtime: RuntimeDep,
                        staff: Creator) -> dict[str, Any]:
    """Open a ticket taken by phone or at the counter; the staff member is its 首问 owner.
    It belongs to no chat session: the caller sees it on the web only after proving it with
    its number and phone (``POST /api/tickets/claim``)."""
    new = NewTicket(session_id=f"call:{secrets.token_urlsafe(12)}", channel=body.channel,
                    question=body.question.strip(), company=body.company, phone=body.phone,
                    district=body.district, kind=body.kind, first_owner=staff.name)
    ticket = await run_in_threadpool(runtime.tickets.open, new)
    return ticket_detail(ticket, runtime.tickets.clock())


@router.get("/tickets/{ticket_id}")
async def read_ticket(ticket_id: TicketId, runtime: RuntimeDep, staff: Reader) -> dict[str, Any]:
    """One ticket with its whole history and the enterprise's chat turns before the handoff."""
    ticket = await visible_ticket(runtime, staff, ticket_id)
    conversation = await run_in_threadpool(conversation_before, runtime.conversation_log, ticket)
    return {**ticket_detail(ticket, runtime.tickets.clock()), "conversation": conversation}


@router.post("/tickets/{ticket_id}/actions")
async def create_ticket_action(ticket_id: TicketId, body: TicketActionCreate, runtime: RuntimeDep,
                               staff: Actor) -> dict[str, Any]:
    """Assign, transfer, contact, resolve, close, reopen, escalate or add a note (a liaison:
    on their district's tickets and their own only)."""
    await visible_ticket(runtime, staff, ticket_id)
    ticket = await ticket_step(runtime, ticket_id, lambda: runtime.tickets.act(
        ticket_id, body.action, staff.name, note=body.note, to_owner=body.to_owner,
        to_role=body.to_role, resolution=body.resolution))
    return ticket_detail(ticket, runtime.tickets.clock())


@router.get("/rectifications")
async def read_rectifications(runtime: RuntimeDep, staff: RectificationReader,
                              state: Literal["open", "done"] | None = None) -> dict[str, Any]:
    """整改 items, most urgent first."""
    items = await run_in_threadpool(runtime.ratings.rectifications, state)
    return {"data": [{"id": r.id, "rating_id": r.rating_id, "ticket_id": r.ticket_id,
                      "owner": r.owner, "status": r.status, "due_at": r.due_at.isoformat(),
                      "outcome": r.outcome} for r in items], "count": len(items)}


@router.post("/rectifications/{item_id}/callbacks", status_code=status.HTTP_201_CREATED)
async def create_callback(item_id: ItemId, body: CallBackCreate, runtime: RuntimeDep,
                          staff: Caller) -> dict[str, Any]:
    """Record a 回访 call."""
    try:
        callback = await run_in_threadpool(runtime.ratings.record_callback, item_id,
                                           staff.name, body.satisfied, body.note)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有找到该整改事项") from None
    return {"id": callback.id, "rectification_id": item_id, "satisfied": callback.satisfied}


@router.post("/rectifications/{item_id}/close")
async def close_rectification(item_id: ItemId, body: RectificationClose, runtime: RuntimeDep,
                              staff: Closer) -> dict[str, Any]:
    """Close a rectification (needs a call-back first; admins only)."""
    try:
        item = await run_in_threadpool(runtime.ratings.close_rectification, item_id,
                                       staff.name, body.outcome)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有找到该整改事项") from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return {"id": item.id, "status": item.status, "outcome": item.outcome}
