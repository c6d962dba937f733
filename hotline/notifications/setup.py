"""Build the notification machinery from settings (no I/O until :meth:`start`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from hotline.notifications.channels import ChannelRegistry, ChannelSender
from hotline.notifications.inbox import Inbox
from hotline.notifications.mail import MailSender
from hotline.notifications.notifier import CompositeNotifier, Routes
from hotline.notifications.outbox import Backoff, Outbox
from hotline.notifications.webhook import WebhookSender
from hotline.notifications.worker import DeliveryWorker, Dispatcher
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Notifications:
    """The inbox, the outbox, the notifier the ticket service records with, and the worker."""

    inbox: Inbox
    outbox: Outbox
    notifier: CompositeNotifier
    worker: DeliveryWorker
    channels: ChannelRegistry

    def register_channel(self, channel: str, sender: ChannelSender) -> None:
        """Reach enterprises whose tickets came from ``channel`` through ``sender``."""
        self.channels.register(channel, sender)

    def start(self) -> None:
        """Start delivering in the background (idempotent)."""
        self.worker.start()

    def stop(self) -> None:
        """Stop delivering; what is undelivered stays in the outbox for the next start."""
        self.worker.stop()


def build_notifications(settings: Settings, sessions: sessionmaker[Session],
                        backoff: Backoff | None = None, poll_seconds: float = 2.0,
                        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                        ) -> Notifications:
    """Everything wired from ``settings``: webhook and e-mail only when configured."""
    channels = ChannelRegistry()
    webhook_url = settings.NOTIFY_WEBHOOK_URL.strip() or None
    if webhook_url and not settings.NOTIFY_WEBHOOK_SECRET:
        log.warning("DXE_NOTIFY_WEBHOOK_URL is set without DXE_NOTIFY_WEBHOOK_SECRET: "
                    "webhook requests will not be signed")
    mail = (MailSender(settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_SENDER)
            if settings.SMTP_HOST.strip() else None)
    if settings.NOTIFY_EMAILS and mail is None:
        log.warning("DXE_NOTIFY_EMAILS is set but DXE_SMTP_HOST is not: no e-mail is sent")
    routes = Routes(webhook_url=webhook_url,
                    emails=dict(settings.NOTIFY_EMAILS) if mail is not None else {},
                    channels=channels)
    inbox, outbox = Inbox(sessions, clock), Outbox(sessions, backoff, clock=clock)
    dispatcher = Dispatcher(WebhookSender(settings.NOTIFY_WEBHOOK_SECRET) if webhook_url
                            else None, mail, channels)
    worker = DeliveryWorker(outbox, dispatcher, poll_seconds=poll_seconds)
    notifier = CompositeNotifier(inbox, outbox, routes, wake=worker.wake)
    return Notifications(inbox, outbox, notifier, worker, channels)
