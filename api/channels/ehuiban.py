"""鄂汇办 identity: the host app vouches for its user with a signed token.

When ``DXE_EHUIBAN_SECRET`` is set, the 鄂汇办 web view opens the embedded page with
``?embed=1&eh_user=<user id>&eh_ts=<unix seconds>&eh_sig=<hex HMAC-SHA256>``, where the
signature is ``HMAC(secret, "<user id>.<ts>")`` computed by 鄂汇办's server. The page
exchanges it here for a session credential (hotline/security/sessions.py) bound to that user,
which nobody without the secret can forge — so the user's tickets follow them across
devices, and only them. The token is accepted once it is fresh (5 minutes) and the
exchange is rate-limited per address; the page never takes a session from its URL. Without the
secret the endpoint answers 404 and the page uses its own random session id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from api.deps import client_ip, throttle

router = APIRouter(prefix="/api/ehuiban", tags=["channels"])
FRESHNESS_SECONDS = 300
_USER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class EhuibanToken(BaseModel):
    """What the host app passed to the page."""

    user_id: str = Field(min_length=1, max_length=64)
    timestamp: int = Field(ge=0, le=2**40, description="unix seconds when 鄂汇办 signed it")
    signature: str = Field(min_length=64, max_length=64)


class EhuibanSession(BaseModel):
    """The session credential bound to the 鄂汇办 user (send it as ``session_id``)."""

    session_id: str


def sign(secret: str, user_id: str, timestamp: int) -> str:
    """The signature 鄂汇办's server computes for a user at a time."""
    return hmac.new(secret.encode(), f"{user_id}.{timestamp}".encode(),
                    hashlib.sha256).hexdigest()


def session_for(secret: str, user_id: str) -> str:
    """A stable, unforgeable session id for a 鄂汇办 user (same user → same session)."""
    tag = hmac.new(secret.encode(), f"session:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"eh:{user_id}:{tag[:24]}"


def verify(secret: str, token: EhuibanToken, now: float | None = None) -> str:
    """The session id for a valid token; raises ValueError with the reason otherwise."""
    if not _USER_ID.match(token.user_id):
        raise ValueError("用户标识格式不对 / malformed user id")
    if abs((now or time.time()) - token.timestamp) > FRESHNESS_SECONDS:
        raise ValueError("登录凭证已过期，请从鄂汇办重新进入 / stale token")
    expected = sign(secret, token.user_id, token.timestamp)
    if not hmac.compare_digest(expected, token.signature.lower()):
        raise ValueError("登录凭证无效 / bad signature")
    return session_for(secret, token.user_id)


@router.post("/session", response_model=EhuibanSession)
async def create_ehuiban_session(token: EhuibanToken, request: Request) -> EhuibanSession:
    """Exchange 鄂汇办's signed user token for a chat session id."""
    runtime = request.app.state.runtime
    secret = runtime.settings.EHUIBAN_SECRET
    if not secret:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "未启用鄂汇办身份对接 / not configured")
    throttle(runtime, "ehuiban.ip", client_ip(request))
    try:
        session_id = verify(secret, token)
    except ValueError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc
    return EhuibanSession(session_id=runtime.session_issuer.issue(session_id).credential)
