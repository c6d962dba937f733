"""Who hears about which ticket step, and what they are told (无事不扰).

The table :data:`POLICY` says which roles an action reaches; :func:`messages_for` turns a
:class:`TicketNotice` into the messages, one per recipient, in Chinese. Nobody hears about
their own action, nor about notes, ratings or closing; the triage queue is not a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from hotline.tickets.deadlines import BEIJING
from hotline.tickets.notify import TicketNotice
from hotline.tickets.ratings import RATING_LABELS
from hotline.tickets.service import HOTLINE_SUPERVISOR, TRIAGE_QUEUE

RecipientKind = Literal["enterprise", "staff"]


class Role(StrEnum):
    """Whom a message is for, relative to the ticket step."""

    OWNER = "owner"  # the handling owner after the step
    PREVIOUS_OWNER = "previous_owner"  # the owner before it (hand-over; escalation)
    LEADER = "leader"  # the responsible leader supervising an escalated ticket
    ENTERPRISE = "enterprise"  # the enterprise that asked (its chat session)


POLICY: dict[str, frozenset[Role]] = {
    "create": frozenset({Role.OWNER, Role.ENTERPRISE}),
    "assign": frozenset({Role.OWNER, Role.ENTERPRISE}),
    "transfer": frozenset({Role.OWNER, Role.PREVIOUS_OWNER}),
    "contact": frozenset({Role.ENTERPRISE}),
    "reply": frozenset({Role.ENTERPRISE, Role.OWNER}),  # the owner hears when others reply
    "resolve": frozenset({Role.ENTERPRISE}),
    "reopen": frozenset({Role.OWNER}),
    "escalate": frozenset({Role.LEADER, Role.PREVIOUS_OWNER, Role.ENTERPRISE}),
    "note": frozenset(),
    "rate": frozenset(),
    "close": frozenset(),
}
"""Action → roles told. A transfer out of the triage queue is the enterprise's first
assignment, so it also tells the enterprise (see :func:`roles_for`)."""

NOT_A_PERSON = frozenset({TRIAGE_QUEUE})
RATING_REQUEST = "、".join(f"{level} {label}" for level, label in RATING_LABELS.items())


@dataclass(frozen=True, slots=True)
class Message:
    """One notification for one recipient."""

    recipient_kind: RecipientKind
    recipient_id: str
    role: Role
    event: str
    title: str
    text: str


def roles_for(notice: TicketNotice) -> frozenset[Role]:
    """The roles ``notice`` reaches (empty for unknown actions)."""
    roles = POLICY.get(notice.action, frozenset())
    if notice.action == "transfer" and notice.previous_owner in NOT_A_PERSON:
        roles = roles | {Role.ENTERPRISE}
    return roles


def messages_for(notice: TicketNotice) -> list[Message]:
    """Every message ``notice`` causes, at most one per recipient."""
    messages: list[Message] = []
    seen: set[tuple[str, str]] = set()
    for role in sorted(roles_for(notice)):  # stable order: enterprise, leader, owner, previous
        message = _compose(role, notice)
        if message is None:
            continue
        key = (message.recipient_kind, message.recipient_id)
        if key in seen:
            continue
        seen.add(key)
        messages.append(message)
    return messages


# -- wording -------------------------------------------------------------------------------
def _compose(role: Role, n: TicketNotice) -> Message | None:
    if role is Role.ENTERPRISE:
        title, text = _to_enterprise(n)
        return Message("enterprise", n.session_id, role, n.action, title, text)
    person = n.previous_owner if role is Role.PREVIOUS_OWNER else n.owner
    if not _is_person(person) or person == n.actor:
        return None
    if role is Role.PREVIOUS_OWNER and person == n.owner:
        return None  # it did not change hands
    title, text = _to_staff(role, n)
    return Message("staff", person, role, n.action, title, text)  # type: ignore[arg-type]


def _is_person(name: str | None) -> bool:
    return bool(name and name.strip()) and name not in NOT_A_PERSON


def _to_enterprise(n: TicketNotice) -> tuple[str, str]:
    due, who = _date(n.due_at), _who(n)
    match n.action:
        case "create" if n.owner in NOT_A_PERSON:
            return ("工单已受理", f"您的问题已转人工（工单号 {n.ticket_id}），热线工作人员会尽快为您"
                               f"安排负责人，{due}前给您答复。")
        case "create" | "assign" | "transfer":
            return ("工单已受理", f"您的问题已交由{who}办理（工单号 {n.ticket_id}），"
                               f"{due}前给您答复。")
        case "contact":
            return ("工单办理中", f"{who}已与您联系，工单 {n.ticket_id} 正在办理，{due}前给您答复。")
        case "reply":
            return ("工作人员回复", f"关于您的工单 {n.ticket_id}，{_replier(n)}回复您：{n.note.strip()}")
        case "resolve":
            result = f"：{_clause(n.note, 200)}" if _clause(n.note, 200) else ""
            return ("工单已办结", f"您的工单 {n.ticket_id} 已办结{result}。请为本次服务评价"
                               f"（{RATING_REQUEST}），您的评价会帮助我们改进。")
        case "escalate":
            return ("工单督办中", f"很抱歉，您的工单 {n.ticket_id} 未能按时办结，已提请{who}督办，"
                               "我们会尽快给您答复。")
    return ("工单动态", f"您的工单 {n.ticket_id} 有新进展。")


def _to_staff(role: Role, n: TicketNotice) -> tuple[str, str]:
    due, brief = _date(n.due_at), _brief(n.question, 40)
    asker = n.company or "企业"
    phone = f"，联系电话 {n.phone}" if n.phone else ""
    reason = f"，原因：{_clause(n.note, 100)}" if _clause(n.note, 100) else ""
    match (n.action, role):
        case ("create" | "assign", Role.OWNER):
            return ("新工单待办", f"您有一张新工单 {n.ticket_id}：{asker}咨询“{brief}”{phone}。"
                               f"请尽快联系企业，{due}前办结。")
        case ("transfer", Role.OWNER):
            return ("工单转给您", f"{n.actor}把工单 {n.ticket_id} 转给您{reason}。{asker}咨询"
                               f"“{brief}”{phone}，请{due}前办结。")
        case ("transfer", Role.PREVIOUS_OWNER):
            return ("工单已转出", f"工单 {n.ticket_id} 已由{n.actor}转给{n.owner}{reason}，"
                               "您无需再跟进。")
        case ("reopen", Role.OWNER):
            return ("工单重新打开", f"工单 {n.ticket_id} 已重新打开{reason}。{asker}咨询“{brief}”"
                                f"{phone}，请{due}前重新办结。")
        case ("escalate", Role.LEADER):
            handler = f"，原负责人{n.previous_owner}" if n.previous_owner else ""
            where = n.district or "未分区"
            why = _clause(n.note, 100) or "已超过办理时限"
            return ("超时工单督办", f"工单 {n.ticket_id}（{where}{handler}）已升级由您督办。"
                                f"说明：{why}。{asker}咨询“{brief}”{phone}。")
        case ("reply", Role.OWNER):
            return ("工单有新回复", f"{n.actor}已在您负责的工单 {n.ticket_id} 回复{asker}："
                                f"“{_brief(n.note, 60)}”。")
        case ("escalate", Role.PREVIOUS_OWNER):
            return ("工单已升级督办", f"您负责的工单 {n.ticket_id} 已超时，已升级由{n.owner}督办，"
                                  "请尽快办理并联系企业。")
    return ("工单动态", f"工单 {n.ticket_id} 有新进展。")


def _who(n: TicketNotice) -> str:
    """The owner as the enterprise should read it."""
    match n.owner_role:
        case "liaison":
            return f"{n.district}包区联系人{n.owner}" if n.district else f"联系人{n.owner}"
        case "leader":
            return n.owner if n.owner == HOTLINE_SUPERVISOR else f"市科技局{n.owner}"
        case "hotline":
            return "热线工作人员"
    return f"工作人员{n.owner}"


def _replier(n: TicketNotice) -> str:
    """Who wrote a reply, as the enterprise should read it: the owner as :func:`_who`
    words them, anyone else as hotline staff."""
    return _who(n) if n.actor == n.owner else "热线工作人员"


def _date(moment: datetime) -> str:
    local = moment.astimezone(BEIJING)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _clause(text: str, limit: int) -> str:
    """``text`` shortened, without end punctuation, to sit inside a sentence."""
    return _brief(text, limit).rstrip("。.；;，, ")


def _brief(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
