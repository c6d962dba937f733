"""What the ticket service tells the outside world, and the interface that delivers it.

The service publishes a :class:`TicketNotice` after each committed step; a notifier decides
who hears about it (无事不扰: only the events that matter to them) and delivers it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TicketNotice:
    """One committed step of a ticket, with what a message about it needs."""

    ticket_id: str
    action: str  # create | assign | transfer | contact | resolve | escalate | reopen …
    status: str
    actor: str
    owner: str
    owner_role: str
    previous_owner: str | None
    session_id: str
    channel: str
    company: str | None
    phone: str | None
    district: str | None
    leader: str | None
    contact: str | None
    question: str
    due_at: datetime
    note: str


class Notifier(Protocol):
    """Delivers notices; must never raise into the ticket service."""

    def publish(self, notice: TicketNotice) -> None: ...


class NullNotifier:
    """Tells nobody (tests of the life cycle alone)."""

    def publish(self, notice: TicketNotice) -> None:
        log.debug("notice %s %s not delivered (null notifier)", notice.ticket_id, notice.action)
