"""The action endpoint the Rasa server calls (rasa-sdk's webhook protocol)."""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from api.deps import RuntimeDep

router = APIRouter(tags=["dialogue"])
log = logging.getLogger(__name__)


def _authorised(request: Request, token: str | None) -> bool:
    """Only the Rasa server holds the token (sent as ``Authorization: Bearer …``)."""
    if not token:
        return False
    sent = request.headers.get("authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@router.post("/webhook/actions", include_in_schema=False)
async def run_action(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Run one custom action for the Rasa server."""
    if not _authorised(request, runtime.settings.RASA_TOKEN):
        return JSONResponse({"error": "动作接口只接受对话服务器的调用 / forbidden"}, status_code=403)
    try:
        action_call = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "请求体不是 JSON / invalid body"}, status_code=400)
    if not isinstance(action_call, dict) or not isinstance(action_call.get("tracker"), dict):
        return JSONResponse({"error": "缺少 tracker / not an action call"}, status_code=400)
    executor = request.app.state.action_executor
    try:
        result = await executor.run(action_call)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name},
                            status_code=400)
    except ActionNotFoundException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name},
                            status_code=404)
    return JSONResponse(result.model_dump() if result else None)
