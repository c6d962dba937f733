"""Staff accounts and API keys: hotline staff, district liaisons and admins authenticate with
a bearer key (api/auth.py checks it on every staff route); each role holds the scopes of
:mod:`hotline.security.roles`.

Keys are random, shown once when created (``python -m api.manage add-staff``), and stored
only as SHA-256; the comparison is a database lookup of the digest.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit import log as audit
from hotline.db import read_sessions
from hotline.security.roles import Role, may_manage_calendar, may_work_on
from hotline.tickets.models import StaffUser

ROLES = tuple(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who is calling."""

    id: int
    name: str
    role: str
    district: str | None = None  # a liaison's district

    def may_work_on(self, ticket_district: str | None, ticket_owner: str) -> bool:
        """Whether this member may see and act on a ticket (liaisons: their district)."""
        return may_work_on(self.role, self.name, self.district, ticket_district, ticket_owner)

    def may_manage_calendar(self, calendar: str) -> bool:
        """Whether this member may see and manage an appointment calendar."""
        return may_manage_calendar(self.role, self.district, calendar)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_staff(sessions: sessionmaker[Session], name: str, role: str = "staff",
                 district: str | None = None, actor: str = "manage") -> tuple[StaffMember, str]:
    """A new account and its API key (the key is not stored; show it once). A liaison
    needs the (canonical) name of their district. ``actor`` goes in the audit log."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("name must be 1–64 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if (role == Role.LIAISON) != bool(district):
        raise ValueError("a liaison needs a district, and only a liaison has one")
    key = "dxe_" + secrets.token_urlsafe(32)
    try:
        with sessions.begin() as session:
            user = StaffUser(name=name, role=role, district=district, key_sha256=_digest(key))
            session.add(user)
            session.flush()
            member = StaffMember(user.id, user.name, user.role, user.district)
            audit.record(session, actor, "create", "staff", user.id,
                         after=_public(user))
    except IntegrityError as exc:
        raise ValueError(f"staff member {name!r} exists already") from exc
    return member, key


def _public(user: StaffUser) -> dict[str, object]:
    """What an account is, without its secrets (for the audit log and the admin list)."""
    return {"name": user.name, "role": user.role, "district": user.district,
            "active": bool(user.active) if user.active is not None else True,
            "password": bool(user.password_hash)}


def list_staff(sessions: sessionmaker[Session]) -> list[dict[str, object]]:
    """Every account, by name, with its id and creation time."""
    with read_sessions(sessions)() as session:
        users = session.scalars(select(StaffUser).order_by(StaffUser.name)).all()
        return [{"id": u.id, **_public(u), "created_at": u.created_at.isoformat()}
                for u in users]


def name_of(sessions: sessionmaker[Session], staff_id: int) -> str | None:
    """An account's name by its id, or None."""
    with read_sessions(sessions)() as session:
        user = session.get(StaffUser, staff_id)
        return user.name if user else None


def set_active(sessions: sessionmaker[Session], staff_id: int, active: bool,
               actor: str) -> dict[str, object]:
    """Enable or disable an account (a disabled one's key and sign-in stop working)."""
    with sessions.begin() as session:
        user = session.get(StaffUser, staff_id)
        if user is None:
            raise LookupError(f"no staff account {staff_id}")
        before = _public(user)
        user.active = active
        session.flush()
        audit.record(session, actor, "enable" if active else "disable", "staff", staff_id,
                     before=before, after=_public(user))
        return {"id": user.id, **_public(user), "created_at": user.created_at.isoformat()}


def authenticate(reads: sessionmaker[Session], key: str) -> StaffMember | None:
    """The active account holding ``key``, if any. ``reads``: a read-only session factory
    (``Runtime.reads``, :func:`hotline.db.read_sessions`), so it never waits for a writer;
    it runs on every staff request."""
    with reads() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.key_sha256 == _digest(key),
                                                      StaffUser.active.is_(True)))
        return StaffMember(user.id, user.name, user.role, user.district) if user else None
