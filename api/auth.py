"""Staff accounts and API keys: hotline staff, district liaisons and admins authenticate with
a bearer key; each route requires a scope of :mod:`api.security.roles`.

Keys are random, shown once when created (``python -m api.manage add-staff``), and stored
only as SHA-256; the comparison is a database lookup of the digest.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db import read_sessions
from api.deps import throttle
from api.security.roles import Role, allowed, may_work_on
from api.tickets.models import StaffUser

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


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_staff(sessions: sessionmaker[Session], name: str, role: str = "staff",
                 district: str | None = None) -> tuple[StaffMember, str]:
    """A new account and its API key (the key is not stored; show it once). A liaison
    needs the (canonical) name of their district."""
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
    except IntegrityError as exc:
        raise ValueError(f"staff member {name!r} exists already") from exc
    return member, key


def authenticate(sessions: sessionmaker[Session], key: str) -> StaffMember | None:
    """The active account holding ``key``, if any (a read: never waits for a writer)."""
    with read_sessions(sessions)() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.key_sha256 == _digest(key),
                                                      StaffUser.active.is_(True)))
        return StaffMember(user.id, user.name, user.role, user.district) if user else None


_bearer = HTTPBearer(auto_error=False, description="a staff API key")


def current_staff(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> StaffMember:
    """The authenticated staff member; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "需要工作人员登录 / staff API key required",
                            headers={"WWW-Authenticate": "Bearer"})
    member = authenticate(request.app.state.runtime.sessions, credentials.credentials)
    if member is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "密钥无效或已停用 / invalid API key",
                            headers={"WWW-Authenticate": "Bearer"})
    throttle(request.app.state.runtime, "staff.member", str(member.id))
    return member


StaffDep = Annotated[StaffMember, Depends(current_staff)]


def require(scope: str) -> Callable[[StaffMember], StaffMember]:
    """A dependency: the authenticated member if their role holds ``scope``, else 403;
    use as ``Annotated[StaffMember, Depends(require("tickets.create"))]``."""

    def check(member: StaffDep) -> StaffMember:
        if not allowed(member.role, scope):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"您的角色没有此权限 / role {member.role!r} lacks {scope!r}")
        return member

    return check
