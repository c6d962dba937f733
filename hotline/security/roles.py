"""Staff roles and what each may do (function-level authorisation), framework-free.

- ``staff``: hotline staff (热线坐席). Every ticket, phone/counter tickets, 回访 calls,
  suggested answers, the problem list, the window's appointments (attendance, blocked slots).
- ``liaison``: a district liaison (区联络员) from the annex table. Suggested answers, and the
  tickets of their own district or that they own — no others, not even to read; the
  appointments of their district's calendar (when it takes appointments), not the window's.
- ``editor``: a knowledge editor (知识库编辑). Suggested answers and the problem list, to
  turn unanswered questions into FAQ drafts (with the admin console: edit documents, FAQs,
  the directory); no tickets.
- ``admin``: everything, and what only a supervisor does: closing a 整改 item, marking a
  problem group resolved, (with the consoles) publishing the knowledge base, accounts.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A staff account's role."""

    STAFF = "staff"
    LIAISON = "liaison"
    EDITOR = "editor"
    ADMIN = "admin"


ALL = frozenset(Role)
TICKET_WORKERS = frozenset({Role.STAFF, Role.LIAISON, Role.ADMIN})
HOTLINE = frozenset({Role.STAFF, Role.ADMIN})

SCOPES: dict[str, frozenset[Role]] = {
    "assist.suggest": ALL,
    "notifications.own": ALL,
    "tickets.read": TICKET_WORKERS,  # liaisons: filtered to their district (may_work_on)
    "tickets.act": TICKET_WORKERS,  # liaisons: their district or their own tickets only
    "tickets.create": HOTLINE,
    "rectifications.read": HOTLINE,
    "rectifications.callback": HOTLINE,
    "rectifications.close": frozenset({Role.ADMIN}),
    "problems.read": frozenset({Role.STAFF, Role.EDITOR, Role.ADMIN}),
    "problems.resolve": frozenset({Role.ADMIN}),
    "accounts.manage": frozenset({Role.ADMIN}),
    "audit.read": frozenset({Role.ADMIN}),
    "dashboard.read": frozenset({Role.ADMIN}),  # the admin console's statistics
    "assistant.trace": frozenset({Role.EDITOR, Role.ADMIN}),  # 试一试: the decision trace
    # the knowledge library (hotline/library): editors draft and submit, admins publish
    "knowledge.read": frozenset({Role.EDITOR, Role.ADMIN}),
    "knowledge.edit": frozenset({Role.EDITOR, Role.ADMIN}),
    "knowledge.publish": frozenset({Role.ADMIN}),
    "directory.read": frozenset({Role.EDITOR, Role.ADMIN}),
    "directory.edit": frozenset({Role.EDITOR, Role.ADMIN}),
    "rasa.train": frozenset({Role.ADMIN}),
    # appointments (hotline/appointments): liaisons only their district's calendar
    "appointments.read": TICKET_WORKERS,
    "appointments.manage": TICKET_WORKERS,  # attendance, blocking and unblocking slots
    # the registries (hotline/registries): editors see the versions, admins import and activate
    "registry.read": frozenset({Role.EDITOR, Role.ADMIN}),
    "registry.edit": frozenset({Role.ADMIN}),
}


def allowed(role: str, scope: str) -> bool:
    """Whether ``role`` holds ``scope`` (an unknown scope is held by nobody)."""
    return role in SCOPES.get(scope, frozenset())


def may_work_on(role: str, name: str, district: str | None, ticket_district: str | None,
                ticket_owner: str) -> bool:
    """Object-level check: a liaison works on their district's tickets and the ones they own."""
    if role != Role.LIAISON:
        return True
    return ticket_owner == name or (district is not None and ticket_district == district)


def may_manage_calendar(role: str, district: str | None, calendar: str) -> bool:
    """Object-level check: a liaison sees and manages their own district's calendar only."""
    return role != Role.LIAISON or (district is not None and calendar == district)
