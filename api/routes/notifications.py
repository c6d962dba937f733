"""Inboxes: the enterprise's (by chat session) and the authenticated staff member's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import StaffDep
from api.deps import RuntimeDep, SessionQueryDep
from api.schemas import MAX_DB_ID
from hotline.notifications.inbox import NotificationPublic

router = APIRouter(tags=["notifications"])
Limit = Annotated[int, Query(ge=1, le=200)]


class NotificationList(BaseModel):
    """Messages, newest first, and how many are unread in all."""

    data: list[NotificationPublic]
    count: int
    unread: int


@router.get("/api/notifications", response_model=NotificationList)
async def read_enterprise_inbox(runtime: RuntimeDep, session: SessionQueryDep,
                                limit: Limit = 50) -> NotificationList:
    """The enterprise's messages about its tickets; reading marks nothing."""
    items, unread = await run_in_threadpool(
        lambda: runtime.notifications.inbox.list("enterprise", session.session_id, limit=limit))
    return NotificationList(data=items, count=len(items), unread=unread)


@router.get("/api/staff/notifications", response_model=NotificationList)
async def read_staff_inbox(runtime: RuntimeDep, staff: StaffDep, unread_only: bool = False,
                           limit: Limit = 50) -> NotificationList:
    """The calling staff member's own messages (tickets they own or handed over)."""
    items, unread = await run_in_threadpool(
        lambda: runtime.notifications.inbox.list("staff", staff.name, unread_only=unread_only,
                                                 limit=limit))
    return NotificationList(data=items, count=len(items), unread=unread)


@router.post("/api/staff/notifications/{notification_id}/read",
             response_model=NotificationPublic)
async def mark_read(notification_id: Annotated[int, Path(ge=1, le=MAX_DB_ID)],
                    runtime: RuntimeDep,
                    staff: StaffDep) -> NotificationPublic:
    """Mark one of the caller's own messages read (again is harmless)."""
    item = await run_in_threadpool(runtime.notifications.inbox.mark_read, notification_id,
                                   "staff", staff.name)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有找到这条通知 / no such notification")
    return item
