"""Session credentials for the web / H5 page (鄂汇办's exchange is in api/channels/ehuiban.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, client_ip, throttle

router = APIRouter(prefix="/api", tags=["sessions"])


class SessionCreate(BaseModel):
    """Where the page runs: the web, or embedded in 鄂汇办 (without a verified user)."""

    channel: Literal["web", "ehuiban"] = "web"


class SessionPublic(BaseModel):
    """A conversation's credential: keep it (the page stores it) and send it as ``session_id``."""

    session_id: str = Field(description="signed and unguessable; the only way into this "
                                        "conversation, its tickets and its messages")
    channel: str


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
async def create_session(runtime: RuntimeDep, http: Request,
                         body: SessionCreate | None = None) -> SessionPublic:
    """Start an anonymous conversation (a 鄂汇办 user's comes from ``/api/ehuiban/session``)."""
    throttle(runtime, "session.ip", client_ip(http))
    embedded = body is not None and body.channel == "ehuiban"
    session = runtime.session_issuer.issue_web(embedded=embedded)
    return SessionPublic(session_id=session.credential, channel=session.channel)
