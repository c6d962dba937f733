"""Admins: staff accounts and the audit log (the admin console's API, issue #11)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.schemas import MAX_DB_ID, MAX_OFFSET
from hotline.audit.log import to_csv
from hotline.security.accounts import StaffMember, create_staff, list_staff, name_of, set_active
from hotline.security.passwords import MAX_LENGTH as PASSWORD_MAX
from hotline.security.passwords import WeakPassword

router = APIRouter(prefix="/api/admin", tags=["admin"])
AccountAdmin = Annotated[StaffMember, Depends(require("accounts.manage"))]
AuditReader = Annotated[StaffMember, Depends(require("audit.read"))]
StaffId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


class StaffCreate(BaseModel):
    """A new account: a liaison needs its district (a name or alias of the annex table)."""

    name: str = Field(min_length=1, max_length=64)
    role: Literal["staff", "liaison", "editor", "admin"] = "staff"
    district: str | None = Field(default=None, max_length=32)


@router.get("/staff")
async def read_staff(runtime: RuntimeDep, admin: AccountAdmin) -> dict[str, Any]:
    """Every account (no secrets: whether it has a password, not the password)."""
    accounts = await run_in_threadpool(list_staff, runtime.sessions)
    return {"data": accounts, "count": len(accounts)}


@router.post("/staff", status_code=status.HTTP_201_CREATED)
async def create_account(body: StaffCreate, runtime: RuntimeDep,
                         admin: AccountAdmin) -> dict[str, Any]:
    """Create an account; its API key is in this answer only. It signs in once a password
    is set (``POST /api/admin/staff/{id}/password``)."""
    district = None
    if body.district:
        liaison = runtime.knowledge.directory.find_in_text(body.district)
        if liaison is None:
            raise HTTPException(422, f"没有这个区：{body.district} / unknown district")
        district = liaison.district
    try:
        member, key = await run_in_threadpool(
            lambda: create_staff(runtime.sessions, body.name, body.role, district, admin.name))
    except ValueError as exc:
        code = status.HTTP_409_CONFLICT if "exists" in str(exc) else 422
        raise HTTPException(code, str(exc)) from exc
    return {"id": member.id, "name": member.name, "role": member.role,
            "district": member.district, "api_key": key}


class PasswordSet(BaseModel):
    """A first password for an account, or a reset (the owner changes it after signing in)."""

    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


@router.post("/staff/{staff_id}/password", status_code=status.HTTP_204_NO_CONTENT)
async def set_account_password(staff_id: StaffId, body: PasswordSet, runtime: RuntimeDep,
                               admin: AccountAdmin) -> Response:
    """Set an account's password (no shell needed after the first admin): every open
    session of the account ends; the audit log says who set it, never the password."""
    name = await run_in_threadpool(name_of, runtime.sessions, staff_id)
    if name is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个账号 / no such account")
    try:
        await run_in_threadpool(runtime.logins.set_password, name, body.password, admin.name)
    except WeakPassword as exc:
        raise HTTPException(422, str(exc)) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/staff/{staff_id}/{change}")
async def update_account(staff_id: StaffId, change: Literal["enable", "disable"],
                         runtime: RuntimeDep, admin: AccountAdmin) -> dict[str, Any]:
    """Enable or disable an account (not one's own: an admin cannot lock themselves out)."""
    if staff_id == admin.id and change == "disable":
        raise HTTPException(status.HTTP_409_CONFLICT, "不能停用自己的账号 / cannot disable yourself")
    try:
        return await run_in_threadpool(set_active, runtime.sessions, staff_id,
                                       change == "enable", admin.name)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个账号 / no such account") from None


@router.get("/audit")
async def read_audit(runtime: RuntimeDep, admin: AuditReader,
                     kind: Annotated[str | None, Query(max_length=32)] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                     offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    """Changes, newest first: who, when, what, before and after."""
    entries = await run_in_threadpool(runtime.audit.entries, kind, limit, offset)
    return {"data": [{**asdict(e), "at": e.at.isoformat()} for e in entries],
            "count": len(entries)}


@router.get("/audit.csv")
async def export_audit(runtime: RuntimeDep, admin: AuditReader,
                       kind: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The audit log as CSV (the newest 100,000 changes)."""
    entries = await run_in_threadpool(runtime.audit.entries, kind, 100_000, 0)
    return Response(to_csv(entries), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
