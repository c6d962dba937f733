"""What the staff console (/console) needs beyond the ticket routes: the work queues, a
written reply to the enterprise, and the people a ticket can be transferred to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.routes.staff import ticket_step, visible_ticket
from api.runtime import Runtime
from hotline.security.accounts import StaffMember
from hotline.security.roles import TICKET_WORKERS
from hotline.tickets.models import StaffUser, Ticket
from hotline.tickets.queues import Viewer
from hotline.tickets.views import queue_summary, ticket_detail
from knowledge.text import has_control_characters

router = APIRouter(prefix="/api/staff", tags=["staff"])

TicketId = Annotated[str, Path(min_length=1, max_length=32)]
Reader = Annotated[StaffMember, Depends(require("tickets.read"))]
Actor = Annotated[StaffMember, Depends(require("tickets.act"))]
MAX_REPLY_CHARS = 2000
WECHAT_SESSION = "wx:"
Delivery = Literal["inbox", "wechat", "wechat_unavailable", "offline"]
DELIVERY_TEXT: dict[str, str] = {
    "inbox": "已发送到企业的对话页面，企业打开页面即可看到。",
    "wechat": "已通过公众号客服消息发给企业（48 小时内可发 5 条）。",
    "wechat_unavailable": "企业 48 小时内没有在公众号发消息，或可发消息已用完，公众号暂时发不出去；"
                          "回复已记入工单，建议电话联系企业。",
    "offline": "这是电话或窗口登记的工单，企业不在线上，回复已记入工单，请电话告知企业。",
}


def viewer_of(member: StaffMember) -> Viewer:
    """The queues' view of a signed-in member."""
    return Viewer(member.name, member.role, member.district)


class ReplyCreate(BaseModel):
    """A written answer to the enterprise, delivered on the ticket's channel."""

    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if has_control_characters(value):
            raise ValueError("回复含有不可见的控制字符 / reply contains control characters")
        if not value.strip():
            raise ValueError("回复内容不能为空 / reply is empty")
        return value.strip()


def delivery_of(request: Request, runtime: Runtime, ticket: Ticket) -> Delivery:
    """How a reply on ``ticket`` reaches the enterprise: the chat page's inbox (web,
    鄂汇办), a WeChat customer-service message within WeChat's allowance, or not at all."""
    if ticket.session_id.startswith(WECHAT_SESSION):
        channel = getattr(request.app.state, "wechat", None)
        if not runtime.notifications.channels.has("wechat") or channel is None:
            return "wechat_unavailable"
        openid = ticket.session_id.removeprefix(WECHAT_SESSION)
        return "wechat" if channel.quota.remaining(openid) > 0 else "wechat_unavailable"
    if ticket.session_id.startswith(("web", "eh")):
        return "inbox"
    return "offline"  # call:… (phone, counter)


@router.get("/queues")
async def read_queues(runtime: RuntimeDep, staff: Reader) -> dict[str, Any]:
    """The caller's work queues (我的 / 我的辖区 / 待分派 / 已超期 / 待评价) and their counts."""
    viewer = viewer_of(staff)
    counts = await run_in_threadpool(runtime.tickets.queue_counts, viewer)
    data = queue_summary(viewer, counts)
    return {"data": data, "count": len(data)}


@router.post("/tickets/{ticket_id}/replies", status_code=status.HTTP_201_CREATED)
async def create_reply(ticket_id: TicketId, body: ReplyCreate, runtime: RuntimeDep,
                       request: Request, staff: Actor) -> dict[str, Any]:
    """Reply to the enterprise: recorded in the ticket's history and the audit log, and
    delivered on the ticket's channel (a liaison: their district's or own tickets only)."""
    current = await visible_ticket(runtime, staff, ticket_id)
    delivery = await run_in_threadpool(delivery_of, request, runtime, current)
    ticket = await ticket_step(runtime, ticket_id, lambda: runtime.tickets.act(
        ticket_id, "reply", staff.name, note=body.text))
    return {"ticket": ticket_detail(ticket, runtime.tickets.clock()), "delivery": delivery,
            "delivery_text": DELIVERY_TEXT[delivery]}


def _colleagues(runtime: Runtime) -> list[dict[str, Any]]:
    workers = [role.value for role in TICKET_WORKERS]
    with runtime.reads() as session:
        accounts = session.scalars(select(StaffUser).where(
            StaffUser.active.is_(True), StaffUser.role.in_(workers))
            .order_by(StaffUser.role, StaffUser.name)).all()
        people = [{"name": u.name, "role": "liaison" if u.role == "liaison" else "staff",
                   "district": u.district, "account": True} for u in accounts]
    known = {person["name"] for person in people}
    for liaison in runtime.knowledge.directory.liaisons:  # the annex table's contacts
        if liaison.contact not in known:
            known.add(liaison.contact)
            people.append({"name": liaison.contact, "role": "liaison",
                           "district": liaison.district, "account": False})
    return people


@router.get("/members")
async def read_members(runtime: RuntimeDep, staff: Actor) -> dict[str, Any]:
    """Whom a ticket can be transferred to: active staff and liaison accounts, and the
    district liaisons of the annex table."""
    people = await run_in_threadpool(_colleagues, runtime)
    return {"data": people, "count": len(people)}
