"""The composite notifier the ticket service records its notices with.

For each message the policy yields it writes the inbox row and queues the external
deliveries in the ticket step's own transaction (a real outbox: the step, its inbox rows
and its deliveries commit together or not at all, so a crash right after the commit loses
nothing), and wakes the delivery worker once that transaction has committed. Nothing here
talks to the network: a slow or failing receiver never blocks or fails a ticket step.
:meth:`CompositeNotifier.deliver` does the same for one message about something else (an
appointment's reminder, :mod:`hotline.appointments.reminders`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.notifications.channels import ChannelRegistry
from hotline.notifications.inbox import Inbox
from hotline.notifications.models import Notification
from hotline.notifications.outbox import Outbox
from hotline.notifications.policy import Message, messages_for
from hotline.tickets.notify import TicketNotice

log = logging.getLogger(__name__)


@dataclass
class Routes:
    """Where messages go besides the inbox."""

    webhook_url: str | None = None  # every message, to the bureau's integration
    emails: dict[str, str] = field(default_factory=dict)  # staff name → address
    channels: ChannelRegistry = field(default_factory=ChannelRegistry)  # enterprises' channels

    def deliveries(self, message: Message, row: Notification, channel: str,
                   about: About) -> list[tuple[str, str, dict[str, Any]]]:
        """(transport, target, payload) for each external delivery of ``message``, sent to
        an enterprise that asked on ``channel``."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        if self.webhook_url:
            out.append(("webhook", self.webhook_url, {
                "id": row.id, "event": message.event, **about.facts,
                "recipient": {"kind": message.recipient_kind, "id": message.recipient_id,
                              "role": str(message.role)},
                "title": message.title, "text": message.text,
                "created_at": row.created_at.isoformat()}))
        if message.recipient_kind == "staff" and message.recipient_id in self.emails:
            out.append(("email", self.emails[message.recipient_id], {
                "subject": f"【店小二】{message.title}：{about.label}",
                "body": f"{message.recipient_id}：\n\n{message.text}\n\n"
                        "—— 武汉市科技局“店小二”企业服务助手（系统邮件，请勿直接回复）"}))
        if message.recipient_kind == "enterprise" and self.channels.has(channel):
            extra = {"notice": about.facts["notice"]} if "notice" in about.facts else {}
            out.append(("channel", channel, {"session_id": message.recipient_id,
                                             "text": message.text, **extra}))
        return out


@dataclass(frozen=True, slots=True)
class About:
    """What a message is about: a ticket or an appointment (one of the ids is set)."""

    label: str  # as an e-mail subject names it: 工单 DXE… / 预约 12
    facts: dict[str, Any]  # the webhook document's fields about it
    ticket_id: str | None = None
    appointment_id: int | None = None

    @classmethod
    def ticket(cls, notice: TicketNotice) -> About:
        return cls(f"工单 {notice.ticket_id}",
                   {"ticket_id": notice.ticket_id, "status": notice.status},
                   ticket_id=notice.ticket_id)


class CompositeNotifier:
    """Implements :class:`hotline.tickets.notify.Notifier`: inbox rows and outbox rows in the
    step's transaction; the worker is woken after its commit."""

    def __init__(self, inbox: Inbox, outbox: Outbox, routes: Routes,
                 wake: Callable[[], None] = lambda: None) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.routes = routes
        self._wake = wake

    def record(self, session: Session, notice: TicketNotice) -> None:
        """Store the messages ``notice`` causes in ``session`` (not committed here); an
        error propagates and rolls the step back."""
        about = About.ticket(notice)
        for message in messages_for(notice):
            self.deliver(session, message, notice.channel, about)

    def deliver(self, session: Session, message: Message, channel: str, about: About) -> None:
        """Store one message (inbox row, outbox rows) in ``session``'s open transaction;
        the worker is woken after it commits."""
        row = self.inbox.add(session, about.ticket_id, message, about.appointment_id)
        queued = 0
        for transport, target, payload in self.routes.deliveries(message, row, channel, about):
            self.outbox.enqueue(session, row.id, transport, target, payload)
            queued += 1
        if queued and not session.info.get(_WAKE_PENDING):
            session.info[_WAKE_PENDING] = True
            event.listen(session, "after_commit", self._after_commit, once=True)

    def _after_commit(self, session: Session) -> None:
        session.info.pop(_WAKE_PENDING, None)
        try:
            self._wake()
        except Exception:  # the commit is done; the worker's poll finds the rows anyway
            log.exception("could not wake the delivery worker")


_WAKE_PENDING = "dxe_wake_delivery_worker"
