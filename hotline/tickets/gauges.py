"""Ticket counts for monitoring: how many in each status, how many open and overdue.

One GROUP BY and one COUNT over indexed columns, whatever the history's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.tickets.models import Ticket
from hotline.tickets.queues import overdue_clause


@dataclass(frozen=True, slots=True)
class TicketGauges:
    """Tickets per status and the open ones past a deadline."""

    by_status: dict[str, int]
    overdue: int


def ticket_gauges(reads: sessionmaker[Session], now: datetime) -> TicketGauges:
    """Counts as of ``now`` (on the read path: never blocks writers)."""
    with reads() as session:
        rows = session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
        overdue = session.scalar(select(func.count()).select_from(Ticket)
                                 .where(overdue_clause(now)))
    return TicketGauges({str(status): int(count) for status, count in rows}, int(overdue or 0))
