"""Staff sign-in for the consoles: login, who am I, password change, logout.

The session token travels only in an HttpOnly, SameSite=Strict cookie (Secure when
``DXE_HTTPS``); the CSRF token is returned by the login and must come back as the
``X-CSRF-Token`` header of every change. Attempts are limited per address and per name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import SESSION_COOKIE, StaffDep, current_staff
from api.deps import RuntimeDep, client_ip, throttle
from hotline.security.accounts import StaffMember
from hotline.security.logins import LoginFailed
from hotline.security.passwords import MAX_LENGTH, WeakPassword

router = APIRouter(prefix="/api/auth", tags=["auth"])
Password = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


class LoginRequest(BaseModel):
    """A staff account's name and password."""

    name: str = Field(min_length=1, max_length=64)
    password: Password


class StaffPublic(BaseModel):
    """Who is signed in."""

    name: str
    role: str
    district: str | None


class LoginPublic(StaffPublic):
    """The signed-in member and the CSRF token to send as ``X-CSRF-Token``."""

    csrf_token: str
    expires_at: str


class PasswordChange(BaseModel):
    """The current password and the new one (12+ characters)."""

    old_password: Password
    new_password: Password


def _public(member: StaffMember) -> StaffPublic:
    return StaffPublic(name=member.name, role=member.role, district=member.district)


@router.post("/login", response_model=LoginPublic)
async def create_login(body: LoginRequest, runtime: RuntimeDep, request: Request,
                       response: Response) -> LoginPublic:
    """Sign in; sets the session cookie. 401 for a wrong name or password (not saying which)."""
    throttle(runtime, "login.ip", client_ip(request))
    throttle(runtime, "login.name", body.name.strip())
    try:
        signed = await run_in_threadpool(runtime.logins.login, body.name, body.password)
    except LoginFailed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "用户名或密码不对 / wrong name or password") from None
    response.set_cookie(SESSION_COOKIE, signed.token, httponly=True, samesite="strict",
                        secure=runtime.settings.HTTPS, path="/",
                        max_age=int(runtime.logins.lifetime.total_seconds()))
    return LoginPublic(**_public(signed.member).model_dump(), csrf_token=signed.csrf_token,
                       expires_at=signed.expires_at.isoformat())


@router.get("/me", response_model=StaffPublic)
async def read_me(staff: StaffDep) -> StaffPublic:
    """The signed-in member (or the API key's)."""
    return _public(staff)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def update_password(body: PasswordChange, runtime: RuntimeDep, request: Request,
                          staff: Annotated[StaffMember, Depends(current_staff)]) -> Response:
    """Change one's own password; every session of the account ends (sign in again)."""
    throttle(runtime, "login.name", staff.name)
    try:
        await run_in_threadpool(runtime.logins.change_password, staff, body.old_password,
                                body.new_password)
    except LoginFailed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "当前密码不对 / wrong password") from None
    except (WeakPassword, ValueError) as exc:
        raise HTTPException(422, str(exc)) from exc
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def delete_login(runtime: RuntimeDep, request: Request) -> Response:
    """End this browser's session (without one it is harmless)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(runtime.logins.logout, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
