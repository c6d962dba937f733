"""``GET /admin/directory``: the directory editor's page, and its assets under
``/admin/directory/assets/`` — the same pattern and headers as the chat page
(api/web/router.py): same origin only, no inline code, Trusted Types, never framed."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from api.web.router import STATIC_DIR, security_headers

ASSET_TYPES = {
    "directory.js": "text/javascript; charset=utf-8",
    "directory.css": "text/css; charset=utf-8",
}
FRAME_ANCESTORS = "'none'"  # a staff page is never embedded

router = APIRouter(tags=["web"], include_in_schema=False)


@lru_cache(maxsize=len(ASSET_TYPES))
def _asset(name: str) -> tuple[bytes, str]:
    import hashlib

    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=1)
def _page() -> str:
    html = (STATIC_DIR / "directory.html").read_text(encoding="utf-8")
    for name in ASSET_TYPES:
        html = html.replace(f"{{{{v:{name}}}}}", _asset(name)[1])
    return html


@router.get("/admin/directory")
def directory_page() -> Response:
    """The editor (signs in through /api/auth/login when there is no session)."""
    headers = security_headers(FRAME_ANCESTORS)
    headers["Cache-Control"] = "no-cache"
    return Response(_page(), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/admin/directory/assets/{name}")
def directory_asset(name: str) -> Response:
    """One of the page's own files (versioned by ``?v=<hash>``)."""
    if name not in ASSET_TYPES:
        raise HTTPException(status_code=404, detail="not found")
    data, version = _asset(name)
    headers = security_headers(FRAME_ANCESTORS)
    headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                    "Cross-Origin-Resource-Policy": "same-origin"})
    return Response(data, media_type=ASSET_TYPES[name], headers=headers)
