"""``GET /chat``: the H5 chat page, and its assets under ``/chat/assets/``.

Everything the page needs is served from here (no CDN, no web fonts), under a
Content-Security-Policy that allows nothing but this origin and no inline script or style.
``?embed=1`` renders the embed mode (no header, channel ``ehuiban``) for a host app's web view.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from hotline.settings import get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The only files served; anything else under /chat/assets/ is a 404.
ASSET_TYPES = {
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

router = APIRouter(tags=["web"], include_in_schema=False)


def content_security_policy(frame_ancestors: str) -> str:
    """Same origin only; no inline code; HTML sinks blocked by Trusted Types as well."""
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "media-src 'none'",
        "object-src 'none'", "worker-src 'none'", "base-uri 'none'", "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
        "require-trusted-types-for 'script'", "trusted-types 'none'",
    ])


def security_headers(frame_ancestors: str) -> dict[str, str]:
    """Headers for the page and its assets."""
    headers = {
        "Content-Security-Policy": content_security_policy(frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    # For old web views without CSP frame-ancestors; a list of hosts has no equivalent.
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    elif frame_ancestors == "'self'":
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers


@lru_cache(maxsize=len(ASSET_TYPES))
def _asset(name: str) -> tuple[bytes, str]:
    """An asset's bytes and a short content hash (the cache-busting version)."""
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=2)
def _page(embed: bool) -> str:
    html = (STATIC_DIR / "chat.html").read_text(encoding="utf-8")
    for name in ASSET_TYPES:
        html = html.replace(f"{{{{v:{name}}}}}", _asset(name)[1])
    return html.replace("{{embed}}", "1" if embed else "0")


@router.get("/chat")
def chat_page(embed: str | None = Query(default=None, max_length=8)) -> Response:
    """The chat page; ``?embed=1`` for a host app's web view."""
    headers = security_headers(get_settings().EMBED_FRAME_ANCESTORS)
    headers["Cache-Control"] = "no-cache"
    return Response(_page(embed == "1"), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/chat/assets/{name}")
def chat_asset(name: str) -> Response:
    """One of the page's own files (versioned by ``?v=<hash>`` in the page)."""
    if name not in ASSET_TYPES:
        raise HTTPException(status_code=404, detail="not found")
    data, version = _asset(name)
    headers = security_headers(get_settings().EMBED_FRAME_ANCESTORS)
    headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                    "Cross-Origin-Resource-Policy": "same-origin"})
    return Response(data, media_type=ASSET_TYPES[name], headers=headers)
