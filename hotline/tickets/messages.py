"""What the enterprise reads about its tickets and ratings, the same on every path.

The Rasa actions, the degraded chat path and the rating endpoint all word things here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hotline.tickets.deadlines import BEIJING
from hotline.tickets.lifecycle import OPEN_STATUSES
from hotline.tickets.models import Ticket
from hotline.tickets.ratings import RatingResult
from hotline.tickets.views import ticket_card

TOO_MANY_TICKETS = ("您近期提交的人工服务请求比较多，之前的工单正在办理中，负责人会按时联系您。"
                    "可以发送“查询工单”查看进度。")
NO_TICKETS = "您在这里还没有工单。遇到我答不了的问题，可以随时转人工，我会为您建工单并跟踪到底。"
STATUS_HINT = "随时可以说“我的工单进度”查看办理情况。"


def due_label(due_at: datetime) -> str:
    """A deadline as the enterprise reads it: 11月27日 17:30."""
    return f"{due_at.astimezone(BEIJING):%m月%d日 %H:%M}"


def handoff_text(ticket: Ticket, after_hours: str | None = None) -> str:
    """The reply when a ticket has been opened: its number, who owns it, by when; outside
    office hours ``after_hours`` (the call-back day, the service line) is added."""
    due = due_label(ticket.due_at)
    if ticket.contact:
        text = (f"已为您转人工，工单号 {ticket.id}。{ticket.district}的包区联系人"
                f"{ticket.contact}（{ticket.department}，责任领导{ticket.leader}）负责跟进，"
                f"将在 {due} 前给您答复")
        text += f"，期间会通过 {ticket.phone} 联系您。" if ticket.phone else "。"
    else:
        text = (f"已为您转人工，工单号 {ticket.id}。热线工作人员会先确认您所在的区，"
                f"再交给对应的包区联系人，{due} 前给您答复。")
    return text + (after_hours or "") + STATUS_HINT


def status_text(tickets: Sequence[Ticket], now: datetime) -> str:
    """One line per ticket: number, status, owner, deadline."""
    lines = [f"您有 {len(tickets)} 张工单："]
    for ticket in tickets:
        label = ticket_card(ticket, now)["status_label"]
        when = (f"答复时限 {due_label(ticket.due_at)}" if ticket.status in OPEN_STATUSES
                else "已办结")
        lines.append(f"· {ticket.id}：{label}，负责人{ticket.owner}，{when}")
    return "\n".join(lines)


def rating_prompt(ticket_id: str | None) -> str:
    """The invitation to rate a resolved ticket, or the conversation."""
    if ticket_id:
        return f"工单 {ticket_id} 已办结，请为这次服务打个分："
    return "方便的话，请为这次服务打个分："


def rating_thanks(result: RatingResult) -> str:
    """The reply to a rating; a poor one promises a 整改 call-back."""
    if result.rectification_id is not None:
        return (f"收到您的评价：{result.label}。很抱歉没让您满意，我们已登记整改事项，"
                "15 个工作日内会有专人回访您。")
    return f"收到您的评价：{result.label}，谢谢！您的评价会帮助我们改进服务。"
