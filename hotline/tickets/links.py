"""Linking a ticket to a session by proof: the ticket number together with the phone given.

A ticket belongs to the session that opened it. Another session (the enterprise's other
phone, a browser after a reset, a caller whose ticket staff opened on the phone) sees it
only after giving both its number and its phone; the web layer rate-limits the attempts
per session, per address and per ticket, so neither can be guessed. A wrong number and a
wrong phone get the same answer.
"""

from __future__ import annotations

import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.tickets.models import Ticket, TicketLink

_NOT_FOUND = "没有找到与这个电话对应的工单，请核对工单编号和留的电话 / no ticket with that number and phone"


class ClaimRefused(Exception):
    """The number and phone do not match a ticket (deliberately not saying which)."""

    def __init__(self, reason: str = _NOT_FOUND) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_phone(phone: str) -> str:
    """Digits only, without a +86 / 0086 country prefix: "+86 138-0000-0000" → 13800000000."""
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def same_phone(given: str, stored: str | None) -> bool:
    """Whether two phones are the same number (constant-time on the normalised digits)."""
    if not stored:
        return False
    a, b = normalise_phone(given), normalise_phone(stored)
    return len(a) >= 5 and hmac.compare_digest(a, b)


class TicketLinks:
    """Proves and records which sessions may see a ticket besides the one that opened it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim(self, session_id: str, ticket_id: str, phone: str) -> Ticket:
        """Link ``ticket_id`` to the session if ``phone`` is the one given for it."""
        with self._sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or not same_phone(phone, ticket.phone):
                raise ClaimRefused()
            if ticket.session_id != session_id and session.scalar(
                    select(TicketLink.id).where(TicketLink.session_id == session_id,
                                                TicketLink.ticket_id == ticket_id)) is None:
                session.add(TicketLink(session_id=session_id, ticket_id=ticket_id))
            return ticket


def linked_ticket_ids(session: Session, session_id: str) -> list[str]:
    """The tickets a session has proved are its own."""
    return list(session.scalars(select(TicketLink.ticket_id)
                                .where(TicketLink.session_id == session_id)).all())
