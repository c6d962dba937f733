"""Deadlines in working days on the Chinese calendar, by ticket kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.tickets.working_days import add_working_days

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Deadline:
    """Working days to first contact and to a solution."""

    contact_days: int
    solution_days: int


DEFAULT_DEADLINES: dict[str, Deadline] = {
    "consult": Deadline(1, 3),      # a question the bot could not answer, or 转人工
    "complaint": Deadline(1, 3),    # 投诉 / a poor rating on a conversation
}
RECTIFICATION_DAYS = 15


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """Deadline per ticket kind (configurable), counted on Beijing working days."""

    by_kind: dict[str, Deadline]
    rectification_days: int = RECTIFICATION_DAYS

    @classmethod
    def from_config(cls, overrides: dict[str, list[int]] | None = None,
                    rectification_days: int = RECTIFICATION_DAYS) -> DeadlinePolicy:
        """Defaults, with ``{"kind": [contact_days, solution_days]}`` overrides."""
        by_kind = dict(DEFAULT_DEADLINES)
        for kind, (contact, solution) in (overrides or {}).items():
            if not 1 <= contact <= solution:
                raise ValueError(f"deadline of {kind!r}: need 1 <= contact <= solution days")
            by_kind[kind] = Deadline(contact, solution)
        return cls(by_kind, rectification_days)

    def for_kind(self, kind: str) -> Deadline:
        """The deadline of a kind; an unknown kind gets the consultation deadline."""
        return self.by_kind.get(kind, self.by_kind["consult"])

    def due(self, start: datetime, kind: str) -> tuple[datetime, datetime]:
        """(contact due, solution due) for a ticket of ``kind`` opened at ``start``."""
        deadline = self.for_kind(kind)
        local = start.astimezone(BEIJING)
        return (add_working_days(local, deadline.contact_days),
                add_working_days(local, deadline.solution_days))

    def rectification_due(self, start: datetime) -> datetime:
        """When a rectification opened at ``start`` must be done."""
        return add_working_days(start.astimezone(BEIJING), self.rectification_days)
