"""A staff page of this origin and its own assets, served the chat page's way.

``GET <path>`` returns the page (``{{v:<asset>}}`` in its HTML becomes the asset's content
hash, the cache-busting version), ``GET <path>/assets/<name>`` one of its listed assets;
anything else under ``assets/`` is a 404. Every response carries the strict headers of
:func:`api.web.router.security_headers` — same origin only, no inline code, Trusted Types —
and a staff page is never framed (``frame-ancestors 'none'``). The pages hold no data:
they sign in through ``/api/auth/login`` and call the JSON API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from api.web.router import STATIC_DIR, security_headers

JS, CSS, SVG = ("text/javascript; charset=utf-8", "text/css; charset=utf-8", "image/svg+xml")
NEVER_FRAMED = "'none'"


class AssetUnavailable(RuntimeError):
    """An asset that cannot be served now (e.g. a vendored file not installed): a 503."""


def static_file(name: str) -> bytes:
    """An asset from api/web/static/."""
    return (STATIC_DIR / name).read_bytes()


@dataclass
class StaffPage:
    """One page: its path, its HTML file, its assets and how to read and protect them."""

    path: str  # "/console"
    html: str  # "console.html", in api/web/static/
    assets: dict[str, str]  # file name → media type
    summary: str  # the page route's description
    read: Callable[[str], bytes] = static_file
    headers: Callable[[], dict[str, str]] = field(
        default=lambda: security_headers(NEVER_FRAMED))
    _cache: dict[str, tuple[bytes, str]] = field(default_factory=dict, repr=False)

    def asset(self, name: str) -> tuple[bytes, str]:
        """An asset's bytes and short content hash (read once)."""
        if name not in self._cache:
            data = self.read(name)
            self._cache[name] = (data, hashlib.sha256(data).hexdigest()[:12])
        return self._cache[name]

    def _version(self, name: str) -> str:
        try:
            return self.asset(name)[1]
        except AssetUnavailable:
            return "missing"

    @cached_property
    def page(self) -> str:
        """The HTML with every asset's version filled in."""
        text = (STATIC_DIR / self.html).read_text(encoding="utf-8")
        for name in self.assets:
            text = text.replace(f"{{{{v:{name}}}}}", self._version(name))
        return text

    def serve_page(self) -> Response:
        """The page (never cached: its asset versions change with a deployment)."""
        headers = self.headers()
        headers["Cache-Control"] = "no-cache"
        return Response(self.page, media_type="text/html; charset=utf-8", headers=headers)

    def serve_asset(self, name: str) -> Response:
        """One of the page's files (versioned by ``?v=<hash>`` in the page)."""
        if name not in self.assets:
            raise HTTPException(status_code=404, detail="not found")
        try:
            data, version = self.asset(name)
        except AssetUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        headers = self.headers()
        headers.update({"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"',
                        "Cross-Origin-Resource-Policy": "same-origin"})
        return Response(data, media_type=self.assets[name], headers=headers)

    def router(self) -> APIRouter:
        """``GET <path>`` and ``GET <path>/assets/{name}``."""
        router = APIRouter(tags=["web"], include_in_schema=False)
        router.add_api_route(self.path, self.serve_page, methods=["GET"],
                             summary=self.summary)
        router.add_api_route(f"{self.path}/assets/{{name}}", self.serve_asset, methods=["GET"])
        return router

