"""The admin console's dashboard: statistics of a period, and each table as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.runtime import Runtime
from hotline.reports.dashboard import Dashboard, Period, PeriodError, beijing_day
from hotline.reports.tables import to_csv
from hotline.security.accounts import StaffMember

router = APIRouter(prefix="/api/admin", tags=["admin"])
DashboardReader = Annotated[StaffMember, Depends(require("dashboard.read"))]
TableName = Literal["conversations", "rates", "votes", "ratings", "districts", "deadlines",
                    "overdue"]
# Calendar days a person may pick (year 2000 to 2100): anything else is a typo, not a period.
Day = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _dashboard(runtime: Runtime, start: date | None, end: date | None) -> Dashboard:
    """The period's dashboard (default: the 30 days up to today, Beijing time); 422 for a
    reversed or too long period."""
    now = runtime.tickets.clock()
    end = end or beijing_day(now)
    try:
        period = Period(start, end) if start else Period.ending(end)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from exc
    return runtime.reports.build(period, now)


@router.get("/dashboard")
async def read_dashboard(runtime: RuntimeDep, admin: DashboardReader,
                         start: Annotated[Day, Query(alias="from")] = None,
                         end: Annotated[Day, Query(alias="to")] = None) -> dict[str, Any]:
    """Conversations, decision rates, votes, 好差评, tickets per district, on-time rates and
    the overdue tickets, for ``from``–``to`` (Beijing days, both included)."""
    board = await run_in_threadpool(_dashboard, runtime, start, end)
    return board.as_json()


@router.get("/dashboard/{table}.csv")
async def export_dashboard_table(runtime: RuntimeDep, admin: DashboardReader,
                                 table: Annotated[TableName, Path()],
                                 start: Annotated[Day, Query(alias="from")] = None,
                                 end: Annotated[Day, Query(alias="to")] = None) -> Response:
    """One table of the dashboard as CSV (formula-safe cells)."""
    board = await run_in_threadpool(_dashboard, runtime, start, end)
    name = f"dashboard-{table}-{board.period.start}-{board.period.end}.csv"
    return Response(to_csv(board.tables[table]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


