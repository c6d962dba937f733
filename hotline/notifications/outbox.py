"""The durable outbox of external deliveries: queued with the inbox row, claimed by a worker
under a lease, retried with exponential backoff until sent or given up.

The state is the database, so a restart loses nothing and several workers (processes) can
share one outbox: a claim is a conditional UPDATE that only one of them wins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import read_sessions, retry_locked, rowcount
from hotline.notifications.models import Delivery

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before retry ``n`` (1-based): ``base · 2^(n-1)``, capped; gives up after
    ``max_attempts`` attempts."""

    base_seconds: float = 10.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_seconds,
                                     self.base_seconds * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker holds the lease on."""

    id: int
    notification_id: int
    transport: str
    target: str
    payload: dict[str, Any]
    attempts: int  # including this one


class Outbox:
    """Queues, claims and settles deliveries."""

    def __init__(self, sessions: sessionmaker[Session], backoff: Backoff | None = None,
                 lease_seconds: float = 60.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.backoff = backoff or Backoff()
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock

    def enqueue(self, session: Session, notification_id: int, transport: str, target: str,
                payload: dict[str, Any]) -> None:
        """Queue a delivery in the caller's transaction, due now."""
        now = self.clock()
        session.add(Delivery(notification_id=notification_id, transport=transport,
                             target=target[:256], status=PENDING, attempts=0,
                             payload=json.dumps(payload, ensure_ascii=False),
                             next_attempt_at=now, created_at=now))

    def claim_due(self, limit: int = 20) -> list[ClaimedDelivery]:
        """Up to ``limit`` due deliveries, each leased to this caller alone."""
        now = self.clock()
        with self._reads() as session:  # looking costs no lock; each claim is its own write
            due = session.execute(
                select(Delivery.id, Delivery.attempts).where(
                    Delivery.status == PENDING, Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)).all()
        claimed: list[ClaimedDelivery] = []
        for delivery_id, attempts in due:
            with self._sessions.begin() as session:
                won = rowcount(session.execute(
                    update(Delivery).where(Delivery.id == delivery_id,
                                           Delivery.status == PENDING,
                                           Delivery.attempts == attempts,
                                           Delivery.next_attempt_at <= now)
                    .values(attempts=attempts + 1, next_attempt_at=now + self.lease)
                    .execution_options(synchronize_session=False)))
                if won != 1:
                    continue  # another worker took it
                row = session.get(Delivery, delivery_id)
                assert row is not None
                claimed.append(ClaimedDelivery(row.id, row.notification_id, row.transport,
                                               row.target, json.loads(row.payload),
                                               attempts + 1))
        return claimed

    @retry_locked
    def mark_sent(self, delivery: ClaimedDelivery) -> None:
        """The receiver accepted it."""
        with self._sessions.begin() as session:
            session.execute(update(Delivery).where(Delivery.id == delivery.id)
                            .values(status=SENT, sent_at=self.clock(), last_error=None))

    @retry_locked
    def mark_failed(self, delivery: ClaimedDelivery, error: str) -> None:
        """It failed: due again after the backoff, or given up after the last attempt."""
        now = self.clock()
        done = delivery.attempts >= self.backoff.max_attempts
        values: dict[str, Any] = {"last_error": error[:2000]}
        values.update({"status": FAILED} if done else
                      {"next_attempt_at": now + self.backoff.delay(delivery.attempts)})
        with self._sessions.begin() as session:
            session.execute(update(Delivery).where(Delivery.id == delivery.id).values(**values))

    def counts(self) -> dict[str, int]:
        """How many deliveries are pending, sent and failed (for health and tests)."""
        with self._reads() as session:
            rows = session.execute(select(Delivery.status, func.count())
                                   .group_by(Delivery.status)).all()
        return {PENDING: 0, SENT: 0, FAILED: 0, **{status: int(n) for status, n in rows}}

    def deliveries(self, notification_id: int | None = None) -> list[Delivery]:
        """Delivery rows, oldest first (for tests and the operator)."""
        query = select(Delivery).order_by(Delivery.id)
        if notification_id is not None:
            query = query.where(Delivery.notification_id == notification_id)
        with self._reads() as session:
            return list(session.scalars(query).all())
