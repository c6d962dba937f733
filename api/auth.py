"""Staff authentication for the routes, two ways: a bearer API key (integrations; checked
against :mod:`hotline.security.accounts`), or the browser session cookie of a password
sign-in (:mod:`hotline.security.logins`, ``POST /api/auth/login``) — which, for every
request that changes something, must also carry the session's ``X-CSRF-Token``. Each route
requires a scope of :mod:`hotline.security.roles` (``require(scope)``). 401 and 403 are
raised here only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import client_ip, throttle
from hotline.security.accounts import StaffMember, authenticate
from hotline.security.roles import allowed

_bearer = HTTPBearer(auto_error=False, description="a staff API key")
SESSION_COOKIE = "dxe_staff"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _signed_in(request: Request) -> StaffMember | None:
    """The member of the request's session cookie (CSRF-checked for changes), or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    active = request.app.state.runtime.logins.resolve(token)
    if active is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "登录已过期，请重新登录 / session expired")
    if request.method not in _SAFE_METHODS and not active.csrf_ok(request.headers.get(CSRF_HEADER)):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"缺少或错误的 {CSRF_HEADER} / CSRF token missing or wrong")
    return active.member  # type: ignore[no-any-return]


def current_staff(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> StaffMember:
    """The authenticated staff member (API key, else signed-in browser); 401 otherwise."""
    runtime = request.app.state.runtime
    if credentials is None or credentials.scheme.lower() != "bearer":
        member = _signed_in(request)
        if member is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                "需要工作人员登录 / staff sign-in or API key required",
                                headers={"WWW-Authenticate": "Bearer"})
        throttle(runtime, "staff.member", str(member.id))
        return member
    member = authenticate(runtime.reads, credentials.credentials)
    if member is None:  # wrong keys count per address: guessing gets a 429 soon
        throttle(runtime, "staff.auth.ip", client_ip(request))
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "密钥无效或已停用 / invalid API key",
                            headers={"WWW-Authenticate": "Bearer"})
    throttle(runtime, "staff.member", str(member.id))
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
