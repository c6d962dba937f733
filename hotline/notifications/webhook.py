"""Outgoing webhook: POST the notification as JSON, signed with HMAC-SHA256.

Headers: ``X-DXE-Delivery`` (the outbox id — the same on every retry, for idempotency),
``X-DXE-Event``, ``X-DXE-Timestamp`` (Unix seconds) and, when a secret is configured,
``X-DXE-Signature: sha256=<hex>`` = HMAC-SHA256(secret, ``<timestamp>.<raw body>``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from hotline.notifications.errors import DeliveryError

SIGNATURE_HEADER = "X-DXE-Signature"
TIMESTAMP_HEADER = "X-DXE-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           max_age_seconds: float = 300, now: float | None = None) -> bool:
    """For receivers: a valid signature made within ``max_age_seconds``."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= max_age_seconds and hmac.compare_digest(sign(secret, timestamp, body),
                                                          signature)


class WebhookSender:
    """Posts one JSON document per delivery; any non-2xx answer or network error fails it."""

    def __init__(self, secret: str | None, timeout_seconds: float = 5.0) -> None:
        self._secret = secret or None
        self._timeout = timeout_seconds

    def send(self, url: str, document: dict[str, Any], delivery_id: int) -> None:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "dianxiaoer-notifier/1", "X-DXE-Delivery": str(delivery_id),
                   "X-DXE-Event": str(document.get("event", "")), TIMESTAMP_HEADER: timestamp}
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(self._secret, timestamp, body)
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryError(f"webhook {url}: HTTP {response.status_code}")
