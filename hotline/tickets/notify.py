"""What the ticket service tells the outside world, and the interface that records it.

Each step hands a :class:`TicketNotice` to :meth:`Notifier.record` inside the step's own
transaction: the notifier decides who hears about it (无事不扰: only the events that matter
to them) and writes what must be delivered (inbox rows, outbox rows) in that transaction,
so a step is never committed without its notice, nor a notice without its step. Delivery
itself happens later, outside the transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TicketNotice:
    """One committed step of a ticket, with what a message about it needs."""

    ticket_id: str
    action: str  # create | assign | transfer | contact | reply | resolve | escalate …
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
    from_status: str | None = None  # the status before the step (None when opened)


class Notifier(Protocol):
    """Records notices in the step's transaction."""

    def record(self, session: Session, notice: TicketNotice) -> None:
        """Write what ``notice`` causes into ``session`` (the step's open transaction;
        never commit it). Raising rolls the step back: better no step than a silent one.
        Anything to do after the commit (waking a delivery worker) is the notifier's own
        business, e.g. a ``session`` ``after_commit`` hook."""
        ...


class NullNotifier:
    """Tells nobody (tests of the life cycle alone)."""

    def record(self, session: Session, notice: TicketNotice) -> None:
        log.debug("notice %s %s not recorded (null notifier)", notice.ticket_id, notice.action)
