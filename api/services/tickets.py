"""Handing a question to a person: a ticket routed to the district's liaison, with a deadline."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker

from api.db import Ticket
from api.services.working_days import add_working_days
from knowledge.directory import LiaisonDirectory

BEIJING = ZoneInfo("Asia/Shanghai")
HOTLINE_OWNER = "店小二热线"  # first responder (首问) for everything the bot hands over
TRIAGE_QUEUE = "热线分拨"  # owner when the district is unknown: never nowhere
SOLUTION_WORKING_DAYS = 3


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What the enterprise told us."""

    session_id: str
    channel: str
    question: str
    company: str | None
    phone: str | None
    district: str | None


def _ticket_id(now: datetime) -> str:
    return f"DXE{now.astimezone(BEIJING):%Y%m%d}-{secrets.token_hex(3).upper()}"


def create_ticket(sessions: sessionmaker, directory: LiaisonDirectory, new: NewTicket,
                  now: datetime | None = None) -> Ticket:
    """Create a ticket owned by the district's liaison (or the triage queue)."""
    created = now or datetime.now(UTC)
    liaison = directory.get(new.district) if new.district else None
    ticket = Ticket(
        id=_ticket_id(created), session_id=new.session_id, channel=new.channel,
        question=new.question, company=new.company, phone=new.phone,
        district=liaison.district if liaison else None,
        leader=liaison.leader if liaison else None,
        department=liaison.department if liaison else None,
        contact=liaison.contact if liaison else None,
        first_owner=HOTLINE_OWNER, owner=liaison.contact if liaison else TRIAGE_QUEUE,
        status="assigned" if liaison else "new", created_at=created,
        due_at=add_working_days(created.astimezone(BEIJING), SOLUTION_WORKING_DAYS),
    )
    with sessions.begin() as session:
        session.add(ticket)
    return ticket
