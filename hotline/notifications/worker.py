"""The delivery worker: a background thread that drains the outbox through the transports."""

from __future__ import annotations

import logging
import threading

from hotline.notifications.channels import ChannelRegistry
from hotline.notifications.errors import DeliveryError
from hotline.notifications.mail import MailSender
from hotline.notifications.outbox import ClaimedDelivery, Outbox
from hotline.notifications.webhook import WebhookSender

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends one claimed delivery through its transport; raises :class:`DeliveryError`."""

    def __init__(self, webhook: WebhookSender | None, mail: MailSender | None,
                 channels: ChannelRegistry) -> None:
        self.webhook, self.mail, self.channels = webhook, mail, channels

    def send(self, delivery: ClaimedDelivery) -> None:
        payload = delivery.payload
        if delivery.transport == "webhook" and self.webhook is not None:
            self.webhook.send(delivery.target, payload, delivery.id)
        elif delivery.transport == "email" and self.mail is not None:
            self.mail.send(delivery.target, payload["subject"], payload["body"])
        elif delivery.transport == "channel":
            self.channels.send(delivery.target, payload["session_id"], payload["text"],
                               payload.get("notice"))
        else:
            raise DeliveryError(f"transport {delivery.transport!r} is not configured")


class DeliveryWorker:
    """Polls the outbox every ``poll_seconds`` (or when woken) and delivers what is due."""

    def __init__(self, outbox: Outbox, dispatcher: Dispatcher, poll_seconds: float = 2.0,
                 batch: int = 20) -> None:
        self.outbox = outbox
        self.dispatcher = dispatcher
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run_once(self) -> int:
        """Deliver every due delivery once; how many were attempted."""
        attempted = 0
        while claimed := self.outbox.claim_due(self.batch):  # none won: done, or others have them
            for delivery in claimed:
                attempted += 1
                try:
                    self.dispatcher.send(delivery)
                except DeliveryError as exc:
                    log.warning("delivery %s (attempt %s) failed: %s", delivery.id,
                                delivery.attempts, exc)
                    self.outbox.mark_failed(delivery, str(exc))
                except Exception as exc:  # a bug in a transport must not kill the worker
                    log.exception("delivery %s crashed", delivery.id)
                    self.outbox.mark_failed(delivery, f"{type(exc).__name__}: {exc}")
                else:
                    self.outbox.mark_sent(delivery)
        return attempted

    def wake(self) -> None:
        """Look at the outbox now (called after a notice queued deliveries)."""
        self._wake.set()

    def start(self) -> None:
        """Start the thread (idempotent)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="notification-delivery",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the delivery in hand (idempotent); undelivered rows stay queued."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._wake.set()
        thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # e.g. the database is briefly unreachable
                log.exception("notification delivery round failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
