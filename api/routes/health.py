"""Health of each component."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api.deps import DialogueDep, RuntimeDep
from api.dialogue.rasa_client import DialogueUnavailable
from api.schemas import ComponentHealth, HealthResponse
from hotline.db import ping

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def read_health(runtime: RuntimeDep, dialogue: DialogueDep,
                      response: Response) -> HealthResponse:
    """Index, database and dialogue state; 503 when the assistant cannot answer at all."""
    components: dict[str, ComponentHealth] = {}
    state = runtime.index_state
    components["index"] = ComponentHealth(status="ok" if state.serving else "down",
                                          detail=state.detail)
    try:
        await run_in_threadpool(ping, runtime.engine)
        components["database"] = ComponentHealth(status="ok", detail=runtime.engine.url.drivername)
    except SQLAlchemyError as exc:
        components["database"] = ComponentHealth(status="down", detail=type(exc).__name__)
    directory = runtime.knowledge.directory
    components["directory"] = ComponentHealth(status="ok",
                                              detail=f"{len(directory)} districts")
    if dialogue is None:
        components["dialogue"] = ComponentHealth(
            status="degraded", detail="direct mode (no dialogue server configured)")
    else:
        try:
            model = await dialogue.status()
            components["dialogue"] = ComponentHealth(status="ok", detail=f"rasa: {model}")
        except DialogueUnavailable as exc:
            components["dialogue"] = ComponentHealth(
                status="degraded", detail=f"rasa unreachable, answering directly ({exc})")
    statuses = {c.status for c in components.values()}
    overall = "down" if components["index"].status == "down" and \
        components["database"].status == "down" else (
        "ok" if statuses == {"ok"} else "degraded")
    if overall == "down":
        response.status_code = 503
    return HealthResponse(status=overall, components=components)
