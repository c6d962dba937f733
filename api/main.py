"""Build the FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.actions.executor import build_executor
from api.channels import ehuiban, wechat
from api.dialogue.chat import ChatService
from api.dialogue.rasa_pool import dialogue_client
from api.observability.metrics import Metrics, RequestMetricsMiddleware
from api.routes import (
    actions,
    admin,
    appointments,
    assist,
    auth,
    chat,
    console,
    dashboard,
    directory,
    health,
    knowledge,
    notifications,
    problems,
    registries,
    sessions,
    staff,
    tickets,
    trace,
)
from api.routes import metrics as metrics_route
from api.routes.knowledge import UPLOAD_PATH as KNOWLEDGE_UPLOAD_PATH
from api.routes.registries import UPLOAD_PATH as REGISTRY_UPLOAD_PATH
from api.runtime import Runtime
from api.web import router as web_router
from api.web.admin import router as admin_web_router
from api.web.console import router as console_page
from api.web.cors import install_cors
from api.web.directory_page import router as directory_page_router
from api.web.knowledge_page import router as knowledge_page
from api.web.limits import BodySizeLimitMiddleware
from api.web.registries_page import router as registries_page
from api.web.security_headers import SecurityHeadersMiddleware
from hotline.db import DatabaseBusy
from hotline.scheduling import PeriodicJob
from hotline.security.production import enforce_production
from hotline.settings import Settings, get_settings
from hotline.tickets.scheduler import EscalationScheduler

_FIELD_NAMES = {"text": "消息内容", "session_id": "会话编号", "channel": "渠道",
                "question": "问题", "k": "数量"}


def _explain(errors: list[dict]) -> str:  # type: ignore[type-arg]
    """One readable Chinese/English sentence for pydantic's validation errors."""
    parts = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        field = location[-1] if location else "body"
        name = _FIELD_NAMES.get(field, field)
        kind = error.get("type", "")
        if kind == "missing":
            parts.append(f"缺少{name} / {field} is required")
        elif kind in ("string_too_long",):
            limit = error.get("ctx", {}).get("max_length")
            parts.append(f"{name}过长，最多{limit}个字 / {field} is longer than {limit} characters")
        elif kind in ("string_type", "int_type", "int_parsing", "literal_error", "model_type",
                      "json_invalid", "dict_type"):
            parts.append(f"{name}格式不对 / {field}: {error.get('msg')}")
        else:
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{name}：{message}" if "/" in message else f"{name}无效 / {field}: {message}")
    return "；".join(parts) or "请求格式不对 / invalid request"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The app; ``runtime`` may be given (tests share one), else it is started in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        # DXE_ENV=production: refuse empty or placeholder secrets before loading anything
        enforce_production(settings or (runtime.settings if runtime else get_settings()))
        app.state.runtime = runtime or await run_in_threadpool(
            Runtime.start, settings or get_settings())
        app.state.action_executor = build_executor(app.state.runtime)
        config = settings or app.state.runtime.settings
        app.state.dialogue = dialogue_client(config.RASA_URL, config.RASA_JWT_SECRET,
                                             config.RASA_TIMEOUT_SECONDS)
        app.state.chat = ChatService(app.state.runtime, app.state.dialogue,
                                     on_turn=metrics.count_turn)
        wechat.start(app, config)  # app.state.wechat: None unless WECHAT_TOKEN is set
        notices = app.state.runtime.notifications
        if getattr(app.state.wechat, "can_deliver", False):  # enterprises on WeChat hear there
            notices.register_channel("wechat", wechat.WeChatNotifier(
                app.state, config.WECHAT_SUBSCRIBE_TEMPLATE_ID))
        notices.start()  # delivers webhook / e-mail / channel messages in a background thread
        escalation = (EscalationScheduler(app.state.runtime.tickets,
                                          config.ESCALATION_INTERVAL_SECONDS)
                      if config.ESCALATION_INTERVAL_SECONDS > 0 else None)
        if escalation is not None:
            escalation.start()
        app.state.escalation = escalation
        reminders = (PeriodicJob(app.state.runtime.appointments.reminders.send_due,
                                 config.APPOINTMENT_REMINDER_INTERVAL_SECONDS,
                                 "appointment-reminders")
                     if config.APPOINTMENT_REMINDER_INTERVAL_SECONDS > 0 else None)
        if reminders is not None:
            reminders.start()
        app.state.appointment_reminders = reminders
        yield
        if reminders is not None:
            await reminders.stop()
        if escalation is not None:
            await escalation.stop()
        await run_in_threadpool(notices.stop)  # undelivered messages stay in the outbox
        notices.channels.unregister("wechat")
        await wechat.stop(app)
        if app.state.dialogue is not None:
            await app.state.dialogue.close()
        if own:
            app.state.runtime.close()

    app = FastAPI(title="店小二 API", version="0.1.0", lifespan=lifespan,
                  description="武汉市科技局“店小二”企业服务助手")
    metrics = Metrics(lambda: getattr(app.state, "runtime", None))
    app.state.metrics = metrics

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        return JSONResponse(status_code=422, content={
            "message": _explain(list(errors)),
            "detail": [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")),
                        "type": e.get("type")} for e in errors],
        })

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # {"message": …} like the 422 handler, plus FastAPI's usual "detail"
        return JSONResponse(status_code=exc.status_code, headers=getattr(exc, "headers", None),
                            content={"message": str(exc.detail), "detail": exc.detail})

    @app.exception_handler(DatabaseBusy)
    async def _database_busy(_request: Request, exc: DatabaseBusy) -> JSONResponse:
        # a write that met a lock on every retry: nothing was stored, say so (never a 200)
        return JSONResponse(status_code=503, headers={"Retry-After": "2"},
                            content={"message": exc.message, "detail": "database busy"})

    app.include_router(sessions.router)
    app.include_router(auth.router)  # staff sign-in (/api/auth/…)
    app.include_router(admin.router)  # accounts and the audit log (/api/admin/…)
    app.include_router(dashboard.router)  # the admin console's statistics
    app.include_router(trace.router)  # 试一试: a question's decision trace
    app.include_router(admin_web_router)  # the admin console's page at /admin
    app.include_router(directory.router)  # the directory editor (/api/admin/directory/…)
    app.include_router(directory_page_router)  # its page, /admin/directory
    app.include_router(chat.router)
    app.include_router(assist.router)
    app.include_router(health.router)
    app.include_router(metrics_route.router)  # Prometheus (/metrics)
    app.include_router(actions.router)
    app.include_router(web_router)  # the H5 chat page at /chat
    app.include_router(console_page)  # the staff console at /console
    app.include_router(tickets.router)
    app.include_router(staff.router)
    app.include_router(appointments.router)  # 预约服务: the enterprise's bookings
    app.include_router(appointments.staff_router)  # the day's bookings, attendance, blocks
    app.include_router(console.router)  # the staff console's queues, replies, colleagues
    app.include_router(problems.router)  # the problem list (问题清单)
    app.include_router(knowledge.router)  # the knowledge library (/api/admin/knowledge/…)
    app.include_router(knowledge.problem_drafts)  # problem group → FAQ draft
    app.include_router(knowledge_page)  # the library's page at /admin/knowledge
    app.include_router(registries.router)  # the registries' imports (/api/admin/registries/…)
    app.include_router(registries_page)  # their page at /admin/registries
    app.include_router(notifications.router)
    app.include_router(wechat.router)
    app.include_router(ehuiban.router)
    # outermost last: security headers on everything (413s and CORS answers too)
    limits = settings or (runtime.settings if runtime is not None else get_settings())
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=limits.MAX_BODY_BYTES,
                       path_limits={"/webhook/actions": limits.ACTION_MAX_BODY_BYTES,
                                    KNOWLEDGE_UPLOAD_PATH: limits.KNOWLEDGE_UPLOAD_MAX_BYTES,
                                    REGISTRY_UPLOAD_PATH: limits.KNOWLEDGE_UPLOAD_MAX_BYTES})
    install_cors(app, limits.CORS_ORIGINS)  # closed unless DXE_CORS_ORIGINS lists origins
    app.add_middleware(SecurityHeadersMiddleware, https=limits.HTTPS)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)  # times everything above
    return app
