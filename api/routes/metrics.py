"""``GET /metrics``: Prometheus exposition (api/observability/metrics.py).

Who may scrape: with ``DXE_METRICS_TOKEN`` set, a request bearing it; without one, in
development only, a client on this machine. In production without a token nobody may.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, client_ip

router = APIRouter(include_in_schema=False)
LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _may_scrape(request: Request, token: str | None, production: bool) -> bool:
    if token:
        sent = request.headers.get("authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return not production and client_ip(request) in LOOPBACK


@router.get("/metrics")
async def read_metrics(request: Request, runtime: RuntimeDep) -> Response:
    """This process's metrics and the shared database's gauges."""
    settings = runtime.settings
    if not _may_scrape(request, settings.METRICS_TOKEN, settings.ENV == "production"):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "指标接口仅供监控系统访问 / metrics need DXE_METRICS_TOKEN")
    body = await run_in_threadpool(request.app.state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
