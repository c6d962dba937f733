"""Dependencies shared by the routes: the runtime, the verified session, rate limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status

from api.dialogue.chat import ChatService
from api.dialogue.rasa_pool import DialogueClient
from api.runtime import Runtime
from api.schemas import SessionCredential
from hotline.security.sessions import InvalidSession, WebSession
from hotline.security.throttle import RateLimited


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, created in the app's lifespan."""
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_dialogue(request: Request) -> DialogueClient | None:
    """The client of the Rasa server, or None when the app runs in direct mode."""
    return request.app.state.dialogue  # type: ignore[no-any-return]


def get_chat(request: Request) -> ChatService:
    """The chat service every channel answers through."""
    return request.app.state.chat  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DialogueDep = Annotated[DialogueClient | None, Depends(get_dialogue)]
ChatDep = Annotated[ChatService, Depends(get_chat)]


def client_ip(request: Request) -> str:
    """The caller's address (behind a proxy: run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def throttle(runtime: Runtime, scope: str, key: str) -> None:
    """Count a hit; 429 with a Chinese message and Retry-After when over the limit."""
    try:
        runtime.throttle.hit(scope, key)
    except RateLimited as limited:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, limited.message,
                            headers={"Retry-After": str(limited.retry_after)}) from limited


def verify_session(runtime: Runtime, credential: str) -> WebSession:
    """The session a credential stands for; 401 when it was not issued here."""
    try:
        return runtime.session_issuer.verify(credential)
    except InvalidSession as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "会话已失效，请刷新页面重新开始 / invalid session: "
                            "get one from POST /api/sessions") from exc


def session_from_query(runtime: RuntimeDep,
                       session_id: Annotated[SessionCredential, Query()]) -> WebSession:
    """The verified session of a GET (``?session_id=<credential>``), rate-limited."""
    session = verify_session(runtime, session_id)
    throttle(runtime, "read.session", session.session_id)
    return session


SessionQueryDep = Annotated[WebSession, Depends(session_from_query)]
