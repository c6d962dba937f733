"""Staff sign-in with a password: browser sessions that can be revoked, with a CSRF token.

``login`` checks the name and password (argon2id, :mod:`hotline.security.passwords`) and
opens a session: a random token for an HttpOnly cookie and a random CSRF token the page
sends back in a header on every change (api/auth.py). Only their SHA-256 digests are stored,
so the table cannot be replayed. Sessions last a working shift (``lifetime``); logout and a
password change revoke them. The web layer rate-limits the attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit import log as audit
from hotline.db import read_sessions
from hotline.security.accounts import StaffMember
from hotline.security.models import StaffSession
from hotline.security.passwords import check_policy, hash_password, verify
from hotline.tickets.models import StaffUser

DEFAULT_LIFETIME = timedelta(hours=10)


class LoginFailed(Exception):
    """Wrong name or password (deliberately not saying which), or a disabled account."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie token and the CSRF token (shown once)."""

    member: StaffMember
    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A valid session's member and the digest its CSRF header must match."""

    member: StaffMember
    csrf_sha256: str
    session_id: int

    def csrf_ok(self, header: str | None) -> bool:
        """Whether a request's ``X-CSRF-Token`` is this session's (constant time)."""
        return bool(header) and hmac.compare_digest(_digest(header or ""), self.csrf_sha256)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _member(user: StaffUser) -> StaffMember:
    return StaffMember(user.id, user.name, user.role, user.district)


class StaffLogins:
    """Passwords and browser sessions of staff accounts."""

    def __init__(self, sessions: sessionmaker[Session], lifetime: timedelta = DEFAULT_LIFETIME,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.lifetime = lifetime
        self.clock = clock

    def set_password(self, name: str, password: str, actor: str = "manage") -> StaffMember:
        """Give an account a (new) password; every open session of it ends; the audit log
        notes who set it (never the password)."""
        check_policy(password, name)
        with self._sessions.begin() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.name == name))
            if user is None:
                raise LookupError(f"no staff account {name!r}")
            had = bool(user.password_hash)
            user.password_hash = hash_password(password)
            self._revoke_all(session, user.id)
            audit.record(session, actor, "password_set", "staff", user.id,
                         before={"password": had}, after={"password": True})
            return _member(user)

    def login(self, name: str, password: str) -> SignedIn:
        """A new session for a right name + password of an active account."""
        with self._reads() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.name == name.strip()))
        matches, rehash = verify(user.password_hash if user else None, password)
        if user is None or not matches or not user.active:
            raise LoginFailed()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        with self._sessions.begin() as session:
            if rehash:
                session.get(StaffUser, user.id).password_hash = hash_password(password)  # type: ignore[union-attr]
            session.add(StaffSession(token_sha256=_digest(token), csrf_sha256=_digest(csrf),
                                     staff_id=user.id, created_at=now,
                                     expires_at=now + self.lifetime))
        return SignedIn(_member(user), token, csrf, now + self.lifetime)

    def resolve(self, token: str) -> ActiveSession | None:
        """The open, unexpired session of a cookie token, with its active account."""
        with self._reads() as session:
            row = session.execute(
                select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.staff_id)
                .where(StaffSession.token_sha256 == _digest(token),
                       StaffSession.revoked_at.is_(None),
                       StaffSession.expires_at > self.clock(),
                       StaffUser.active.is_(True))).first()
        if row is None:
            return None
        staff_session, user = row
        return ActiveSession(_member(user), staff_session.csrf_sha256, staff_session.id)

    def logout(self, token: str) -> None:
        """End the session of a cookie token (again is harmless)."""
        with self._sessions.begin() as session:
            session.execute(update(StaffSession).where(
                StaffSession.token_sha256 == _digest(token), StaffSession.revoked_at.is_(None))
                .values(revoked_at=self.clock()))

    def change_password(self, member: StaffMember, old: str, new: str) -> None:
        """Change one's own password (the old one must match); every session ends."""
        with self._reads() as session:
            user = session.get(StaffUser, member.id)
        if user is None or not verify(user.password_hash, old)[0]:
            raise LoginFailed()
        if hmac.compare_digest(old.encode(), new.encode()):
            raise ValueError("新密码不能与旧密码相同 / the new password must differ")
        self.set_password(user.name, new, actor=member.name)

    def _revoke_all(self, session: Session, staff_id: int) -> None:
        session.execute(update(StaffSession).where(
            StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=self.clock()))
