"""Opening tickets and moving them through their life cycle, one transaction per step.

Every step locks the ticket row, checks the transition, updates the ticket, appends a
:class:`TicketEvent` and records its notice (inbox and outbox rows, :mod:`hotline.tickets.notify`)
in the same transaction: a crash leaves all of them or none. Writes are retried when they
meet a lock and then fail visibly (:func:`hotline.db.retry_locked`); reads take the read path
(:func:`hotline.db.read_sessions`), which never waits for a writer.
"""

from __future__ import annotations

import builtins  # `list` below is also a method name of TicketService
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import read_sessions, retry_locked
from hotline.tickets.deadlines import BEIJING, DeadlinePolicy
from hotline.tickets.lifecycle import OPEN_STATUSES, Status, TransitionError, next_status
from hotline.tickets.links import linked_ticket_ids
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.notify import Notifier, TicketNotice
from hotline.tickets.queues import Viewer, overdue_clause, queue_clause
from knowledge.directory import LiaisonDirectory

log = logging.getLogger(__name__)

HOTLINE_OWNER = "店小二热线"  # first responder (首问) for everything the bot hands over
TRIAGE_QUEUE = "热线分拨"  # owner when the district is unknown: never nowhere
HOTLINE_SUPERVISOR = "热线值班长"  # escalation target when there is no district leader
SYSTEM_ACTOR = "系统"


class TicketNotFound(LookupError):
    """No ticket with that id."""


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What the enterprise told us."""

    session_id: str
    channel: str
    question: str
    company: str | None
    phone: str | None
    district: str | None
    excerpt: str = ""
    kind: str = "consult"
    first_owner: str = HOTLINE_OWNER


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Staff list filters; None means any."""

    status: str | None = None
    district: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    limit: int = 50
    offset: int = 0
    # a liaison's view: only the tickets of this district or this owner
    visible_district: str | None = None
    visible_owner: str | None = None
    # one of the console's work queues (hotline.tickets.queues), for ``queue_viewer``
    queue: str | None = None
    queue_viewer: Viewer | None = None


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Open and past its contact or solution deadline."""
    if ticket.status not in OPEN_STATUSES:
        return False
    if now > ticket.due_at:
        return True
    return ticket.contacted_at is None and now > ticket.contact_due_at


def new_ticket_id(now: datetime) -> str:
    """DXE<date>-<6 hex>, e.g. DXE20261125-3FA9C1."""
    return f"DXE{now.astimezone(BEIJING):%Y%m%d}-{secrets.token_hex(3).upper()}"


def notice_of(ticket: Ticket, event: TicketEvent) -> TicketNotice:
    """The notice describing ``event`` on ``ticket``."""
    return TicketNotice(
        ticket_id=ticket.id, action=event.action, status=ticket.status, actor=event.actor,
        owner=ticket.owner, owner_role=ticket.owner_role, previous_owner=event.from_owner,
        session_id=ticket.session_id, channel=ticket.channel, company=ticket.company,
        phone=ticket.phone, district=ticket.district, leader=ticket.leader,
        contact=ticket.contact, question=ticket.question, due_at=ticket.due_at,
        note=event.note, from_status=event.from_status)


class TicketService:
    """The only writer of tickets and their history."""

    def __init__(self, sessions: sessionmaker[Session], directory: Callable[[], LiaisonDirectory],
                 notifier: Notifier, deadlines: DeadlinePolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self._directory = directory
        self.notifier = notifier
        self.deadlines = deadlines
        self.clock = clock

    # -- opening ---------------------------------------------------------------------------
    @retry_locked
    def open(self, new: NewTicket) -> Ticket:
        """Open a ticket owned by the district's liaison, or by the triage queue."""
        now = self.clock()
        liaison = self._directory().get(new.district) if new.district else None
        contact_due, due = self.deadlines.due(now, new.kind)
        ticket = Ticket(
            id=new_ticket_id(now), kind=new.kind, session_id=new.session_id,
            channel=new.channel, question=new.question, excerpt=new.excerpt,
            company=new.company, phone=new.phone,
            district=liaison.district if liaison else None,
            leader=liaison.leader if liaison else None,
            department=liaison.department if liaison else None,
            contact=liaison.contact if liaison else None,
            first_owner=new.first_owner,
            owner=liaison.contact if liaison else TRIAGE_QUEUE,
            owner_role="liaison" if liaison else "hotline",
            status=Status.ASSIGNED if liaison else Status.NEW,
            created_at=now, updated_at=now, contact_due_at=contact_due, due_at=due)
        routed = (f"按所在区分派给{liaison.district}包区联系人" if liaison
                  else "未能确定所在区，进入热线分拨队列")
        event = TicketEvent(ticket_id=ticket.id, action="create", from_status=None,
                            to_status=ticket.status, actor=new.first_owner, from_owner=None,
                            to_owner=ticket.owner, note=routed, created_at=now)
        with self._sessions.begin() as session:
            session.add(ticket)
            session.flush()
            session.add(event)
            self._record(session, ticket, event)
        return self.get(ticket.id)

    # -- moving ----------------------------------------------------------------------------
    @retry_locked
    def act(self, ticket_id: str, action: str, actor: str, *, note: str = "",
            to_owner: str | None = None, to_role: str = "staff",
            resolution: str | None = None) -> Ticket:
        """Apply one action (assign, transfer, contact, reply, resolve, rate, close, reopen,
        escalate, note); raises :class:`TransitionError` or :class:`TicketNotFound`."""
        if action in ("assign", "transfer") and not (to_owner and to_owner.strip()):
            raise TransitionError("转派需要指定新的负责人")
        if action == "transfer" and not note.strip():
            raise TransitionError("转派需要说明原因")
        if action == "resolve" and not (resolution and resolution.strip()):
            raise TransitionError("办结需要填写办理结果")
        if action == "reply" and not note.strip():
            raise TransitionError("回复内容不能为空")
        with self._sessions.begin() as session:
            self.apply(session, ticket_id, action, actor, note=note, to_owner=to_owner,
                       to_role=to_role, resolution=resolution)
        return self.get(ticket_id)

    def apply(self, session: Session, ticket_id: str, action: str, actor: str, *,
              note: str = "", to_owner: str | None = None, to_role: str = "staff",
              resolution: str | None = None) -> tuple[Ticket, TicketEvent]:
        """One step inside the caller's transaction (so a rating and its ticket's step commit
        together), its notice recorded in that transaction too."""
        now = self.clock()
        ticket = self._locked(session, ticket_id)
        before_status, before_owner = ticket.status, ticket.owner
        ticket.status = next_status(ticket.status, action)
        if action in ("assign", "transfer"):
            ticket.owner, ticket.owner_role = to_owner.strip(), to_role  # type: ignore[union-attr]
        elif action == "escalate":
            ticket.owner = ticket.leader or HOTLINE_SUPERVISOR
            ticket.owner_role = "leader"
            ticket.escalated_at = now
        elif action in ("contact", "reply"):  # a written reply is a contact too
            ticket.contacted_at = ticket.contacted_at or now
        elif action == "resolve":
            ticket.resolved_at, ticket.resolution = now, resolution
        elif action == "reopen":
            ticket.resolved_at = None
            _, ticket.due_at = self.deadlines.due(now, ticket.kind)
        ticket.updated_at = now
        event = TicketEvent(
            ticket_id=ticket.id, action=action, from_status=before_status,
            to_status=ticket.status, actor=actor, from_owner=before_owner,
            to_owner=ticket.owner, note=note or (resolution or ""), created_at=now)
        session.add(event)
        self._record(session, ticket, event)
        return ticket, event

    def escalate_overdue(self) -> list[str]:
        """Escalate every open, overdue ticket not yet escalated; the ids escalated.

        Safe to run from several processes at once: each ticket is re-checked under its
        row lock, so it escalates exactly once.
        """
        now = self.clock()
        with self._reads() as session:  # candidates only: each is re-checked under its lock
            candidates = session.scalars(
                select(Ticket.id).where(Ticket.status.in_(
                    [s.value for s in OPEN_STATUSES if s is not Status.ESCALATED]),
                    Ticket.escalated_at.is_(None),
                    or_(Ticket.due_at < now,
                        Ticket.contacted_at.is_(None) & (Ticket.contact_due_at < now)))
            ).all()
        return [ticket_id for ticket_id in candidates if self._escalate(ticket_id, now)]

    @retry_locked
    def _escalate(self, ticket_id: str, now: datetime) -> bool:
        """Escalate one candidate if it still is one: the re-check, the step and its notice
        in one transaction under the row lock."""
        with self._sessions.begin() as session:
            ticket = self._locked(session, ticket_id)
            if ticket.escalated_at is not None or not is_overdue(ticket, now):
                return False  # another process got there first, or it moved meanwhile
            late = "解决时限" if now > ticket.due_at else "首次联系时限"
            try:
                self.apply(session, ticket_id, "escalate", SYSTEM_ACTOR,
                           note=f"超过{late}未办理，自动升级给责任领导督办")
            except TransitionError:
                return False
        return True

    # -- reading ---------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket:
        """A ticket with its history; raises :class:`TicketNotFound`."""
        with self._reads() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            _ = ticket.events  # loaded before the session closes
            return ticket

    def list(self, where: TicketFilter) -> tuple[list[Ticket], int]:
        """Tickets matching the filter, newest first, and how many match in all."""
        now = self.clock()
        query = select(Ticket)
        if where.visible_owner is not None:
            query = query.where(or_(Ticket.owner == where.visible_owner,
                                    Ticket.district == where.visible_district)
                                if where.visible_district else
                                Ticket.owner == where.visible_owner)
        if where.status:
            query = query.where(Ticket.status == where.status)
        if where.district:
            query = query.where(Ticket.district == where.district)
        if where.owner:
            query = query.where(Ticket.owner == where.owner)
        if where.overdue is not None:
            overdue = overdue_clause(now)
            query = query.where(overdue if where.overdue else ~overdue)
        ordered = query.order_by(Ticket.created_at.desc(), Ticket.id)
        if where.queue is not None and where.queue_viewer is not None:
            query = query.where(queue_clause(where.queue, where.queue_viewer, now))
            # a work queue: most urgent first; the overview (全部在办): newest first, so a
            # ticket that just came in is at the top however many are open
            ordered = query.order_by(Ticket.created_at.desc(), Ticket.id) \
                if where.queue == "open" else query.order_by(Ticket.due_at, Ticket.id)
        with self._reads() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(ordered.offset(where.offset).limit(where.limit)).all()
            return list(rows), int(total or 0)

    def queue_counts(self, viewer: Viewer) -> dict[str, int]:
        """How many tickets each of ``viewer``'s work queues holds now."""
        now = self.clock()
        with self._reads() as session:
            return {queue: int(session.scalar(
                        select(func.count()).select_from(Ticket).where(
                            queue_clause(queue, viewer, now))) or 0)
                    for queue in viewer.queues()}

    def for_identity(self, session_id: str, limit: int = 10) -> builtins.list[Ticket]:
        """The tickets a session opened, and those it proved are its own (number + phone,
        :mod:`hotline.tickets.links`). A company name and phone typed in a handoff link nothing:
        nobody verified them."""
        with self._reads() as session:
            mine = or_(Ticket.session_id == session_id,
                       Ticket.id.in_(linked_ticket_ids(session, session_id)))
            return list(session.scalars(select(Ticket).where(mine)
                                        .order_by(Ticket.created_at.desc()).limit(limit)).all())

    # -- internals -------------------------------------------------------------------------
    @staticmethod
    def _locked(session: Session, ticket_id: str) -> Ticket:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        return ticket

    def _record(self, session: Session, ticket: Ticket, event: TicketEvent) -> None:
        """Record the step's notice in its transaction; a notifier error rolls it back."""
        self.notifier.record(session, notice_of(ticket, event))
