"""Ticket steps taken by staff, written to the audit log in the step's own transaction.

:class:`AuditedNotifier` wraps the ticket service's notifier: every notice of a staff
action (taking, transferring, contacting, replying, resolving, closing, reopening, notes,
and tickets opened by staff) adds an audit entry before the notice is recorded, so the step,
its audit entry and its messages commit together or not at all. Steps of the system
(escalation) and of enterprises (opening a ticket from the chat, rating) are in the
ticket's history, not the audit log.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.audit.log import record
from hotline.tickets.notify import Notifier, TicketNotice

STAFF_ACTIONS = frozenset({"assign", "transfer", "contact", "reply", "resolve", "close",
                           "reopen", "note"})
NOTE_LIMIT = 500  # what the entry keeps of a note or reply


class AuditedNotifier:
    """A :class:`hotline.tickets.notify.Notifier` that audits staff actions first."""

    def __init__(self, inner: Notifier, bot_actors: frozenset[str]) -> None:
        self.inner = inner
        self._bot_actors = bot_actors  # who opens tickets for the chat (店小二热线)

    def record(self, session: Session, notice: TicketNotice) -> None:
        if self._by_staff(notice):
            record(session, notice.actor, f"ticket.{notice.action}", "ticket", notice.ticket_id,
                   before={"status": notice.from_status, "owner": notice.previous_owner}
                   if notice.from_status is not None else None,
                   after={"status": notice.status, "owner": notice.owner,
                          "note": notice.note[:NOTE_LIMIT]})
        self.inner.record(session, notice)

    def _by_staff(self, notice: TicketNotice) -> bool:
        if notice.action == "create":
            return notice.actor not in self._bot_actors
        return notice.action in STAFF_ACTIONS
