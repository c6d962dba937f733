"""The escalation scheduler: every interval, escalate overdue tickets to their leader.

It keeps no state of its own — due dates and ``escalated_at`` live in the database — so a
restart neither loses nor repeats an escalation, and several app processes may each run one
(:meth:`TicketService.escalate_overdue` re-checks every ticket under its row lock).
"""

from __future__ import annotations

from hotline.scheduling import PeriodicJob
from hotline.tickets.service import TicketService


class EscalationScheduler(PeriodicJob[str]):
    """Calls ``tickets.escalate_overdue()`` every ``interval_seconds`` in a worker thread;
    the first round runs one interval after :meth:`start`."""

    def __init__(self, tickets: TicketService, interval_seconds: float = 60.0) -> None:
        super().__init__(tickets.escalate_overdue, interval_seconds, "escalation-scheduler")
        self.tickets = tickets
