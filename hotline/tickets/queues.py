"""The console's work queues: which tickets a staff member or liaison should look at.

- ``mine`` (我的): open tickets the viewer owns;
- ``district`` (我的辖区): open tickets of the viewer's district (members with a district);
- ``triage`` (待分派): new tickets nobody owns yet (the hotline's triage queue);
- ``overdue`` (已超期): open tickets past their contact or solution deadline;
- ``rating`` (待评价): resolved tickets the enterprise has not rated yet;
- ``open`` (全部在办): every open ticket the viewer may see (the hotline's overview, newest
  first; the other queues list the most urgent first).

Every queue is cut to what the viewer may see: a liaison only their district's tickets and
their own (the same rule as :func:`hotline.security.roles.may_work_on`), so a liaison's
triage queue is empty: an unrouted ticket has no district yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, false, or_, true

from hotline.tickets.lifecycle import OPEN_STATUSES, Status
from hotline.tickets.models import Ticket

QUEUE_LABELS: Final[dict[str, str]] = {
    "mine": "我的", "district": "我的辖区", "triage": "待分派", "overdue": "已超期",
    "rating": "待评价", "open": "全部在办",
}
QUEUES: Final = tuple(QUEUE_LABELS)
LIAISON = "liaison"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks at the queues: an account's name, role and (for liaisons) district."""

    name: str
    role: str
    district: str | None = None

    def queues(self) -> tuple[str, ...]:
        """The queues that mean something to this viewer, in the console's order."""
        shown = [q for q in QUEUES if q != "district" or self.district]
        if self.role == LIAISON:
            shown.remove("triage")  # never anything a liaison may see
        return tuple(shown)


def _open() -> ColumnElement[bool]:
    return Ticket.status.in_([s.value for s in OPEN_STATUSES])


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Open and past the solution deadline, or not contacted by the contact deadline
    (the SQL form of :func:`hotline.tickets.service.is_overdue`)."""
    return _open() & or_(Ticket.due_at < now,
                         Ticket.contacted_at.is_(None) & (Ticket.contact_due_at < now))


def visible_clause(viewer: Viewer) -> ColumnElement[bool]:
    """What ``viewer`` may see at all: everything, or a liaison's district and own tickets."""
    if viewer.role != LIAISON:
        return true()
    if viewer.district:
        return or_(Ticket.owner == viewer.name, Ticket.district == viewer.district)
    return Ticket.owner == viewer.name


def queue_clause(queue: str, viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    """The condition of ``queue`` for ``viewer``; raises ValueError for an unknown queue."""
    condition: ColumnElement[bool]
    match queue:
        case "mine":
            condition = _open() & (Ticket.owner == viewer.name)
        case "district":
            condition = (_open() & (Ticket.district == viewer.district) if viewer.district
                         else false())
        case "triage":
            condition = Ticket.status == Status.NEW.value
        case "overdue":
            condition = overdue_clause(now)
        case "rating":
            condition = Ticket.status == Status.RESOLVED.value
        case "open":
            condition = _open()
        case _:
            raise ValueError(f"unknown queue {queue!r}")
    return condition & visible_clause(viewer)
