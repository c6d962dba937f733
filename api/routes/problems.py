"""The problem list for staff: grouped open problems, resolved groups, closing a group."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.auth import require
from hotline.problems.service import (
    AlreadyResolved,
    GroupChanged,
    ProblemGroup,
    ProblemList,
    ProblemNotFound,
)
from hotline.problems.sources import KIND_LABELS, ProblemItem
from hotline.security.accounts import StaffMember

router = APIRouter(prefix="/api/staff/problems", tags=["staff", "problems"])
_create_lock = threading.Lock()


def get_problems(request: Request) -> ProblemList:
    """The app's problem list, made on first use from the runtime (model, database, clock)."""
    state = request.app.state
    with _create_lock:
        problems = getattr(state, "problems", None)
        if problems is None:
            runtime = state.runtime
            problems = ProblemList(
                runtime.sessions, lambda: runtime.embedder, lambda: runtime.tickets.clock(),
                threshold=runtime.settings.PROBLEM_CLUSTER_SIMILARITY,
                synonyms=lambda: runtime.knowledge.synonyms)
            state.problems = problems
    return problems


ProblemsDep = Annotated[ProblemList, Depends(get_problems)]
Reader = Annotated[StaffMember, Depends(require("problems.read"))]
Resolver = Annotated[StaffMember, Depends(require("problems.resolve"))]
GroupId = Annotated[str, Path(min_length=1, max_length=64)]  # the key of the group's first item


class ResolveRequest(BaseModel):
    """How the problem was dealt with; optionally only the items the staff member saw."""

    resolution: str = Field(max_length=2000, examples=["已补充FAQ：高企认定周期"])
    item_keys: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=1000)

    @field_validator("resolution")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("处理结果不能为空 / resolution must not be empty")
        return value.strip()


def item_view(item: ProblemItem) -> dict[str, Any]:
    """One item as JSON."""
    return {"key": item.key, "kind": str(item.kind), "kind_label": KIND_LABELS[item.kind],
            "text": item.text, "occurred_at": item.occurred_at.isoformat(),
            "session_id": item.session_id, "ticket_id": item.ticket_id, "detail": item.detail}


def group_view(group: ProblemGroup, items: int | None = None) -> dict[str, Any]:
    """One group as JSON, with at most ``items`` of its items (newest first)."""
    shown = sorted(group.items, key=lambda i: (i.occurred_at, i.key), reverse=True)
    resolution = group.resolution
    return {
        "id": group.id, "label": group.label, "size": group.size, "kinds": group.kinds,
        "kind_labels": {kind: KIND_LABELS[kind] for kind in group.kinds},
        "first_seen": group.first_seen.isoformat(), "last_seen": group.last_seen.isoformat(),
        "items": [item_view(i) for i in shown[:items]],
        "resolution": None if resolution is None else {
            "text": resolution.text, "staff": resolution.staff,
            "resolved_at": resolution.resolved_at.isoformat()},
    }


@router.get("")
async def read_problems(problems: ProblemsDep, staff: Reader,
                        status_: Annotated[Literal["open", "resolved"],
                                           Query(alias="status")] = "open",
                        since: datetime | None = None,
                        items: Annotated[int, Query(ge=1, le=500)] = 20) -> dict[str, Any]:
    """Problem groups: open ones largest first, or resolved ones latest first."""
    if since is not None and since.tzinfo is None:
        raise HTTPException(422,
                            "since 需要带时区，例如 2026-11-01T00:00:00+08:00 / "
                            "since needs a time zone")
    groups = await run_in_threadpool(problems.groups, status_, since)
    body = {"data": [group_view(g, items) for g in groups], "count": len(groups),
            "items": sum(g.size for g in groups), "status": status_,
            "clustered": problems.embedder() is not None, "threshold": problems.threshold}
    if status_ == "open":  # the list groups the newest max_items; these are all of them
        by_kind = await run_in_threadpool(problems.open_counts)
        body |= {"open_total": sum(by_kind.values()), "open_by_kind": by_kind,
                 "max_items": problems.max_items}
    return body


@router.post("/{group_id}/resolve")
async def resolve_problem(group_id: GroupId, body: ResolveRequest, problems: ProblemsDep,
                          staff: Resolver) -> dict[str, Any]:
    """(Admins) close a group (all its current items, or ``item_keys`` of it) with a resolution."""
    try:
        group = await run_in_threadpool(
            lambda: problems.resolve(group_id, staff.name, body.resolution,
                                     item_keys=body.item_keys))
    except ProblemNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"没有找到问题组 {group_id} / no such problem group") from None
    except AlreadyResolved as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{exc} / already resolved") from exc
    except GroupChanged as exc:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"{exc} / the grouping changed, reload the list") from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return group_view(group)
