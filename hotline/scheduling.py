"""A job run every interval on the event loop, in a worker thread (:func:`asyncio.to_thread`).

The jobs keep their state in the database (an escalation's ``escalated_at``, a reminder's
``reminded_at``), claimed by a conditional UPDATE, so a restart neither loses nor repeats a
round's work and several app processes may each run the same job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class PeriodicJob(Generic[T]):
    """Calls ``job()`` every ``interval_seconds``; the first round runs one interval after
    :meth:`start`. ``job`` returns what it did (ids), for the log and tests."""

    def __init__(self, job: Callable[[], Sequence[T]], interval_seconds: float = 60.0,
                 name: str = "periodic-job") -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.job = job
        self.interval = interval_seconds
        self.name = name
        self.rounds = 0  # completed rounds, for health and tests
        self._stopping: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def tick(self) -> list[T]:
        """One round, synchronously: what the job did."""
        done = list(self.job())
        self.rounds += 1
        if done:
            log.info("%s: %d done: %s", self.name, len(done), ", ".join(map(str, done)))
        return done

    def start(self) -> None:
        """Start ticking on the running event loop (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(self._stopping),
                                                            name=self.name)

    async def stop(self) -> None:
        """Stop; waits for a round in progress to finish (short transactions), so shutting
        down never leaves a step half done."""
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
                log.exception("%s round failed", self.name)
