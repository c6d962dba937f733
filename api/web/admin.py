"""``GET /admin``: the admin console's page, and its assets under ``/admin/assets/``.

The same pattern as the chat page (:mod:`api.web.router`): every file from this origin,
under a Content-Security-Policy without inline code and with Trusted Types; the console is
never framed. ECharts is the npm package's ``dist/echarts.min.js`` that ``make vendor``
(part of ``make setup``) puts into ``var/vendor/``; it is served only if its sha256 is the
pinned one (the Makefile pins the same).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from api.web.router import security_headers
from hotline.settings import PROJECT_ROOT

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = PROJECT_ROOT / "var" / "vendor"
ECHARTS = "echarts.min.js"
ECHARTS_VERSION = "5.6.0"
ECHARTS_SHA256 = "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1"
ASSET_TYPES = {
    "admin.js": "text/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
    ECHARTS: "text/javascript; charset=utf-8",
}
FRAME_ANCESTORS = "'none'"  # nobody frames the admin console
# ECharts clears its chart container with ``innerHTML = ""``, which Trusted Types blocks
# without a policy: admin.js installs a ``default`` policy that lets exactly the empty
# string through (and nothing else); no other policy may be created.
TRUSTED_TYPES = "trusted-types default"

router = APIRouter(tags=["web"], include_in_schema=False)


def admin_headers() -> dict[str, str]:
    """The chat page's security headers, with the one Trusted Types policy ECharts needs."""
    headers = security_headers(FRAME_ANCESTORS)
    policy = headers["Content-Security-Policy"]
    headers["Content-Security-Policy"] = policy.replace("trusted-types 'none'", TRUSTED_TYPES)
    return headers


class VendorMissing(RuntimeError):
    """ECharts is missing from var/vendor or is not the pinned build."""


def read_echarts(folder: Path = VENDOR_DIR) -> bytes:
    """The vendored ECharts, checked against :data:`ECHARTS_SHA256`."""
    path = folder / ECHARTS
    if not path.exists():
        raise VendorMissing(f"{path} is missing: run `make vendor`")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != ECHARTS_SHA256:
        raise VendorMissing(f"{path} is not ECharts {ECHARTS_VERSION} (sha256 differs): "
                            "run `make vendor`")
    return data


@lru_cache(maxsize=len(ASSET_TYPES))
def _asset(name: str) -> tuple[bytes, str]:
    """An asset's bytes and a short content hash (the cache-busting version)."""
    data = read_echarts() if name == ECHARTS else (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def _version(name: str) -> str:
    try:
        return _asset(name)[1]
    except VendorMissing:
        return "missing"


@lru_cache(maxsize=1)
def _page() -> str:
    html = (STATIC_DIR / "admin.html").read_text(encoding="utf-8")
    for name in ASSET_TYPES:
        html = html.replace(f"{{{{v:{name}}}}}", _version(name))
    return html


@router.get("/admin")
def admin_page() -> Response:
    """The admin console (sign-in form until a member is signed in)."""
    headers = admin_headers()
    headers["Cache-Control"] = "no-cache"
    return Response(_page(), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/admin/assets/{name}")
def admin_asset(name: str) -> Response:
    """One of the console's own files, or the vendored ECharts (versioned by ``?v=``)."""
    if name not in ASSET_TYPES:
        raise HTTPException(status_code=404, detail="not found")
    try:
        data, version = _asset(name)
    except VendorMissing as exc:
        raise HTTPException(503, f"图表组件缺失，请运行 make vendor / {exc}") from exc
    headers = admin_headers()
    headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                    "Cross-Origin-Resource-Policy": "same-origin"})
    return Response(data, media_type=ASSET_TYPES[name], headers=headers)
