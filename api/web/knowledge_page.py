"""``GET /admin/knowledge``: the knowledge library page for editors and admins, and its
assets under ``/admin/knowledge/assets/`` — same origin only, no inline code, Trusted Types
(the CSP of :mod:`api.web.router`), never framed. The page signs in through
``/api/auth/login`` and talks to ``/api/admin/knowledge/…``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from api.web.router import STATIC_DIR, security_headers

ASSET_TYPES = {
    "knowledge.js": "text/javascript; charset=utf-8",
    "knowledge.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
FRAME_ANCESTORS = "'none'"  # a staff console is never framed
router = APIRouter(tags=["web"], include_in_schema=False)


@lru_cache(maxsize=len(ASSET_TYPES))
def _asset(name: str) -> tuple[bytes, str]:
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=1)
def _page() -> str:
    html = (STATIC_DIR / "knowledge.html").read_text(encoding="utf-8")
    for name in ASSET_TYPES:
        html = html.replace(f"{{{{v:{name}}}}}", _asset(name)[1])
    return html


@router.get("/admin/knowledge")
def knowledge_page() -> Response:
    """The library page (it asks for a sign-in when there is no staff session)."""
    headers = security_headers(FRAME_ANCESTORS)
    headers["Cache-Control"] = "no-cache"
    return Response(_page(), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/admin/knowledge/assets/{name}")
def knowledge_asset(name: str) -> Response:
    """One of the page's own files (versioned by ``?v=<hash>``)."""
    if name not in ASSET_TYPES:
        raise HTTPException(status_code=404, detail="not found")
    data, version = _asset(name)
    headers = security_headers(FRAME_ANCESTORS)
    headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                    "Cross-Origin-Resource-Policy": "same-origin"})
    return Response(data, media_type=ASSET_TYPES[name], headers=headers)
