"""Staff authentication for the routes: the bearer key is checked against the accounts of
:mod:`hotline.security.accounts` (``StaffDep``), and each route requires a scope of
:mod:`hotline.security.roles` (``require(scope)``): 401 and 403 are raised here only.
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


def current_staff(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> StaffMember:
    """The authenticated staff member; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "需要工作人员登录 / staff API key required",
                            headers={"WWW-Authenticate": "Bearer"})
    runtime = request.app.state.runtime
    member = authenticate(runtime.sessions, credentials.credentials)
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
