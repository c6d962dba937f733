"""The one error a transport raises."""

from __future__ import annotations


class DeliveryError(RuntimeError):
    """A delivery did not get through; the outbox retries it later."""
