"""A cap on request bodies, for every endpoint: 413 before the app reads too much.

A declared ``Content-Length`` above the cap is refused before the app runs; a body sent
without one (chunked) is counted as it is received, and the read that crosses the cap raises
an HTTP 413 inside the app, so the app's own error handler answers with its usual
``{"message": …}`` JSON. Some paths may have a cap of their own (the Rasa server's action
calls carry the whole conversation tracker).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_message(limit: int) -> str:
    """The Chinese-first message of a 413."""
    return f"请求体过大，最多 {limit} 字节 / request body too large (limit {limit} bytes)"


class BodyTooLarge(HTTPException):
    """Raised by ``receive`` when a streamed body crosses the cap (FastAPI re-raises
    HTTPExceptions from body parsing, so the app's handler turns it into a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))


def _error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message, "detail": message}, status_code=status_code)


class BodySizeLimitMiddleware:
    """Refuses request bodies above ``max_bytes`` (or a path prefix's own limit) with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int,
                 path_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    def limit_for(self, path: str) -> int:
        """The cap of ``path``: the longest matching prefix's, else the default."""
        matches = [prefix for prefix in self.path_limits if path.startswith(prefix)]
        return self.path_limits[max(matches, key=len)] if matches else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = [value for name, value in scope.get("headers", ())
                    if name.lower() == b"content-length"]
        if declared:
            value = declared[0].strip()
            if not value.isdigit():
                await _error(400, "Content-Length 无效 / invalid Content-Length")(
                    scope, receive, send)
                return
            if int(value) > limit:
                await _error(413, too_large_message(limit))(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:  # raised where no handler turned it into a response
            if started:
                raise
            await _error(413, str(exc.detail))(scope, receive, send)
