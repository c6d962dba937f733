"""``GET /console``: the hotline staff console, and its assets under ``/console/assets/``.

The same pattern as the chat page (:mod:`api.web.router`): every file from this origin, the
same strict Content-Security-Policy with Trusted Types, no inline code; the console is never
framed by anyone (``frame-ancestors 'none'``). Sign-in happens in the page, through
``/api/auth/login``; the page itself is the same for everybody and holds no data.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from api.web.router import STATIC_DIR, security_headers

ASSET_TYPES = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
FRAME_ANCESTORS = "'none'"

router = APIRouter(tags=["web"], include_in_schema=False)


@lru_cache(maxsize=len(ASSET_TYPES))
def _asset(name: str) -> tuple[bytes, str]:
    """An asset's bytes and a short content hash (the cache-busting version)."""
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=1)
def _page() -> str:
    html = (STATIC_DIR / "console.html").read_text(encoding="utf-8")
    for name in ASSET_TYPES:
        html = html.replace(f"{{{{v:{name}}}}}", _asset(name)[1])
    return html


@router.get("/console")
def console_page() -> Response:
    """The console (a sign-in form until the member has signed in)."""
    headers = security_headers(FRAME_ANCESTORS)
    headers["Cache-Control"] = "no-cache"
    return Response(_page(), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/console/assets/{name}")
def console_asset(name: str) -> Response:
    """One of the console's own files (versioned by ``?v=<hash>`` in the page)."""
    if name not in ASSET_TYPES:
        raise HTTPException(status_code=404, detail="not found")
    data, version = _asset(name)
    headers = security_headers(FRAME_ANCESTORS)
    headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                    "Cross-Origin-Resource-Policy": "same-origin"})
    return Response(data, media_type=ASSET_TYPES[name], headers=headers)
