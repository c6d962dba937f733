"""Security headers on every response: pages, API answers, errors and 404s alike.

A response that brings its own ``Content-Security-Policy`` (the chat page and its assets,
:mod:`api.web.router`) keeps it and decides its own framing (``frame-ancestors`` from
``DXE_EMBED_FRAME_ANCESTORS``, so 鄂汇办's web view may show it); every other response gets
a policy that loads nothing and may not be framed by anyone. Headers a response sets itself
are never overwritten.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing to load, nothing to frame: JSON, plain text and error bodies.
API_POLICY = ("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
              "form-action 'none'")
# FastAPI's own /docs and /redoc pages load Swagger UI / ReDoc from a CDN with inline code;
# they only get the framing part of the policy.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_POLICY = "frame-ancestors 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts are not ours


def _is_docs(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in DOCS_PATHS)


def headers_for(path: str, existing: MutableHeaders, https: bool) -> dict[str, str]:
    """The security headers to add to a response for ``path`` that has ``existing``."""
    added = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cache-Control": "no-store",  # API answers carry session data; the page sets its own
    }
    if "content-security-policy" not in existing:  # the page decides its own framing
        added["Content-Security-Policy"] = DOCS_POLICY if _is_docs(path) else API_POLICY
        added["X-Frame-Options"] = "DENY"
    if https:
        added["Strict-Transport-Security"] = HSTS
    return {name: value for name, value in added.items() if name.lower() not in existing}


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no body buffering): adds :func:`headers_for` at response start."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_for(path, headers, self.https).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
