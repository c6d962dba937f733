"""The ticket life cycle as data: which action moves which status where.

    new ──assign──▶ assigned ──contact──▶ contacted ──resolve──▶ resolved ──rate──▶ rated ──close──▶ closed
                       ▲  │ transfer              │                   │ reopen            │
                       └──┘                       ▼                   ▼                   │
                    escalated ◀──escalate── (any open status)     reopened ◀──────────────┘

``transfer`` keeps the status (or assigns a ``new`` ticket); ``note`` never changes it.
``reply`` (a written answer to the enterprise) counts as contacting it: an assigned,
reopened or escalated ticket becomes ``contacted``, a contacted one stays; after ``resolve``
the resolution was the answer (``reopen`` to write again).
Resolving needs a ticket someone has been assigned; closing needs it resolved or rated.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a ticket is."""

    NEW = "new"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    RESOLVED = "resolved"
    RATED = "rated"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"


STATUS_LABELS: dict[str, str] = {
    Status.NEW: "待分派", Status.ASSIGNED: "已分派，待联系", Status.CONTACTED: "已联系，办理中",
    Status.RESOLVED: "已办结，待评价", Status.RATED: "已评价", Status.CLOSED: "已关闭",
    Status.REOPENED: "已重新打开", Status.ESCALATED: "已超时，督办中",
}

OPEN_STATUSES = frozenset({Status.NEW, Status.ASSIGNED, Status.CONTACTED, Status.REOPENED,
                           Status.ESCALATED})

# action -> {from status: to status}; None as target keeps the status.
TRANSITIONS: dict[str, dict[Status, Status | None]] = {
    "assign": {Status.NEW: Status.ASSIGNED},
    "transfer": {Status.NEW: Status.ASSIGNED, Status.ASSIGNED: None, Status.CONTACTED: None,
                 Status.REOPENED: None, Status.ESCALATED: None},
    "contact": {Status.ASSIGNED: Status.CONTACTED, Status.REOPENED: Status.CONTACTED,
                Status.ESCALATED: Status.CONTACTED},
    "resolve": {Status.ASSIGNED: Status.RESOLVED, Status.CONTACTED: Status.RESOLVED,
                Status.REOPENED: Status.RESOLVED, Status.ESCALATED: Status.RESOLVED},
    "reply": {Status.ASSIGNED: Status.CONTACTED, Status.REOPENED: Status.CONTACTED,
              Status.ESCALATED: Status.CONTACTED, Status.CONTACTED: None},
    "rate": {Status.RESOLVED: Status.RATED},
    "close": {Status.RESOLVED: Status.CLOSED, Status.RATED: Status.CLOSED},
    "reopen": {Status.RESOLVED: Status.REOPENED, Status.RATED: Status.REOPENED,
               Status.CLOSED: Status.REOPENED},
    "escalate": {Status.NEW: Status.ESCALATED, Status.ASSIGNED: Status.ESCALATED,
                 Status.CONTACTED: Status.ESCALATED, Status.REOPENED: Status.ESCALATED},
    "note": {status: None for status in Status},
}


class TransitionError(ValueError):
    """An action that the ticket's current status does not allow."""


def next_status(current: str, action: str) -> Status:
    """The status after ``action``; raises :class:`TransitionError` when it is not allowed."""
    moves = TRANSITIONS.get(action)
    if moves is None:
        raise TransitionError(f"unknown action {action!r}")
    status = Status(current)
    if status not in moves:
        allowed = "、".join(sorted(a for a, m in TRANSITIONS.items() if status in m))
        raise TransitionError(
            f"工单状态为“{STATUS_LABELS[status]}”，不能执行 {action}（可执行：{allowed}）")
    target = moves[status]
    return status if target is None else target


def allowed_actions(current: str) -> list[str]:
    """Actions the status allows, for the console's buttons."""
    status = Status(current)
    return sorted(action for action, moves in TRANSITIONS.items() if status in moves)
