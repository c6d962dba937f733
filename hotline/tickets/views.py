"""How a ticket is shown: to the enterprise (a status card) and to staff (with history)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hotline.conversations.log import ConversationLog
from hotline.tickets.lifecycle import STATUS_LABELS, allowed_actions
from hotline.tickets.models import Ticket
from hotline.tickets.queues import QUEUE_LABELS, Viewer
from hotline.tickets.service import is_overdue

# the turn that asked for the person is logged just after its ticket was opened
HANDOFF_TURN_SLACK = timedelta(seconds=60)
CONVERSATION_TURNS = 10


def ticket_card(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The enterprise's view: status, owner, deadline (the contract's TicketCard)."""
    overdue = is_overdue(ticket, now)
    label = STATUS_LABELS[ticket.status] + ("（已超期）" if overdue and ticket.status != "escalated"
                                             else "")
    return {"ticket_id": ticket.id, "status": ticket.status, "status_label": label,
            "question": ticket.question[:120], "district": ticket.district,
            "owner": ticket.owner, "due_at": ticket.due_at.isoformat(), "overdue": overdue}


def handoff_payload(ticket: Ticket) -> dict[str, Any]:
    """The chat contract's ``handoff`` object."""
    return {"ticket_id": ticket.id, "district": ticket.district, "leader": ticket.leader,
            "department": ticket.department, "contact": ticket.contact,
            "status": ticket.status, "due_at": ticket.due_at.isoformat()}


def ticket_detail(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The staff view: everything, with the append-only history and the next actions."""
    return {
        **ticket_card(ticket, now),
        "question": ticket.question, "kind": ticket.kind, "session_id": ticket.session_id,
        "channel": ticket.channel, "excerpt": ticket.excerpt, "company": ticket.company,
        "phone": ticket.phone, "leader": ticket.leader, "department": ticket.department,
        "contact": ticket.contact, "first_owner": ticket.first_owner,
        "owner_role": ticket.owner_role, "created_at": ticket.created_at.isoformat(),
        "contact_due_at": ticket.contact_due_at.isoformat(),
        "contacted_at": ticket.contacted_at.isoformat() if ticket.contacted_at else None,
        "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
        "escalated_at": ticket.escalated_at.isoformat() if ticket.escalated_at else None,
        "resolution": ticket.resolution, "allowed_actions": allowed_actions(ticket.status),
        "history": [{"action": e.action, "from_status": e.from_status,
                     "to_status": e.to_status, "actor": e.actor, "from_owner": e.from_owner,
                     "to_owner": e.to_owner, "note": e.note,
                     "at": e.created_at.isoformat()} for e in ticket.events],
    }


def conversation_before(log: ConversationLog, ticket: Ticket) -> list[dict[str, Any]]:
    """What the enterprise said in the chat up to the handoff (none for phone tickets);
    button payloads (``/affirm``) are clicks, not words, and are left out."""
    turns = log.before(ticket.session_id, ticket.created_at + HANDOFF_TURN_SLACK,
                       CONVERSATION_TURNS)
    return [{"at": t.created_at.isoformat(), "channel": t.channel, "text": t.text,
             "outcome": t.outcome} for t in turns if not t.text.startswith("/")]


def queue_summary(viewer: Viewer, counts: dict[str, int]) -> list[dict[str, Any]]:
    """The console's queue tabs: key, Chinese label and count, in the viewer's order."""
    return [{"queue": queue, "label": QUEUE_LABELS[queue], "count": counts.get(queue, 0)}
            for queue in viewer.queues()]
