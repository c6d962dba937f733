"""The escalation scheduler: every interval, escalate overdue tickets to their leader.

It keeps no state of its own — due dates and ``escalated_at`` live in the database — so a
restart neither loses nor repeats an escalation, and several app processes may each run one
(:meth:`TicketService.escalate_overdue` re-checks every ticket under its row lock).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from hotline.tickets.service import TicketService

log = logging.getLogger(__name__)


class EscalationScheduler:
    """Calls ``tickets.escalate_overdue()`` every ``interval_seconds`` in a worker thread
    (:func:`asyncio.to_thread`); the first round runs one interval after :meth:`start`."""

    def __init__(self, tickets: TicketService, interval_seconds: float = 60.0) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.tickets = tickets
        self.interval = interval_seconds
        self.rounds = 0  # completed rounds, for health and tests
        self._stopping: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def tick(self) -> list[str]:
        """One round, synchronously: the ids escalated."""
        escalated = self.tickets.escalate_overdue()
        self.rounds += 1
        if escalated:
            log.info("escalated %d overdue ticket(s): %s", len(escalated), ", ".join(escalated))
        return escalated

    def start(self) -> None:
        """Start ticking on the running event loop (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(self._stopping),
                                                            name="escalation-scheduler")

    async def stop(self) -> None:
        """Stop; waits for a round in progress to finish (it is one short transaction per
        ticket), so shutting down never leaves a step half done."""
        task, stopping = self._task, self._stopping
        self._task = self._stopping = None
        if task is None or stopping is None:
            return
        stopping.set()
        with suppress(asyncio.CancelledError):
            await task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self, stopping: asyncio.Event) -> None:
        while True:
            try:
                await asyncio.wait_for(stopping.wait(), timeout=self.interval)
                return  # asked to stop
            except TimeoutError:
                pass
            try:
                await asyncio.to_thread(self.tick)
            except Exception:  # the database may be briefly away; try again next round
                log.exception("escalation round failed")
