"""Rate limits per client IP, session, ticket or staff member (the ``limits`` library).

Each *scope* (``chat.session``, ``claim.ip`` …) has one or more windows, e.g.
``"20/minute;300/hour"``: a hit counts in every window and is refused when any is full.
Counters live in memory by default; ``DXE_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379/0``
shares them between replicas. If the storage fails, requests pass (logged): throttling must
not become an outage.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

# sized so that a person typing never meets them and a loop soon does
DEFAULT_RATE_LIMITS: dict[str, str] = {
    "session.ip": "30/minute;300/hour",  # POST /api/sessions (one per page load)
    "chat.session": "20/minute;300/hour",
    "chat.ip": "120/minute;3000/hour",  # many enterprises may share an office NAT
    "read.session": "120/minute",  # ticket cards and the inbox, polled by the page
    "feedback.session": "30/minute",
    "rating.session": "10/hour",
    "rating.ip": "60/hour",
    "ticket.session": "5/hour;10/day",  # handoffs that open a ticket
    "claim.session": "5/15 minutes",  # proving a ticket is yours (number + phone)
    "claim.ip": "20/hour",
    "claim.ticket": "10/day",
    "appointment.session": "10/hour;30/day",  # booking, rescheduling, cancelling
    "ehuiban.ip": "30/minute",
    "wechat.user": "20/minute;300/hour",
    "staff.member": "300/minute",
    "staff.auth.ip": "20/minute;100/hour",  # wrong staff keys, per address
    "login.ip": "10/minute;50/hour",  # staff sign-in attempts, per address
    "login.name": "5/15 minutes",  # and per account name
}


class RateLimited(Exception):
    """A window of ``scope`` is full; try again after ``retry_after`` seconds."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limit {scope}: retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        """What the user is told (Chinese first)."""
        wait = f"{self.retry_after}秒" if self.retry_after < 120 else \
            f"{math.ceil(self.retry_after / 60)}分钟"
        return f"操作太频繁了，请{wait}后再试 / too many requests, retry in {self.retry_after} s"


class Throttle:
    """Counts hits per scope and key and refuses the ones over a limit."""

    def __init__(self, overrides: Mapping[str, str] | None = None,
                 storage_uri: str = "memory://", enabled: bool = True) -> None:
        rules = {**DEFAULT_RATE_LIMITS, **(overrides or {})}
        self.limits: dict[str, list[RateLimitItem]] = {
            scope: parse_many(rule) for scope, rule in rules.items() if rule}
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, scope: str, key: str) -> None:
        """Count one hit of ``key`` in ``scope``; :class:`RateLimited` when over a limit."""
        if not self.enabled or scope not in self.limits:
            return
        try:
            for item in self.limits[scope]:
                if not self._limiter.hit(item, scope, key):
                    reset_at = self._limiter.get_window_stats(item, scope, key).reset_time
                    raise RateLimited(scope, max(1, math.ceil(reset_at - time.time())))
        except RateLimited:
            raise
        except Exception:  # storage down: let the request through, loudly
            log.exception("rate limit storage failed (%s); not throttling", scope)

    def allows(self, scope: str, key: str) -> bool:
        """Count one hit, answering whether it is within the limits (for callers that reply
        politely instead of raising)."""
        try:
            self.hit(scope, key)
        except RateLimited:
            return False
        return True

    def clear(self, scope: str, key: str) -> None:
        """Forget ``key``'s hits in ``scope`` (e.g. after a successful proof)."""
        for item in self.limits.get(scope, []):
            self._limiter.clear(item, scope, key)
