"""CORS: closed unless ``DXE_CORS_ORIGINS`` lists the origins allowed to call the API.

The chat page calls its own origin only, so by default no CORS middleware is installed and a
browser refuses every cross-origin read (a preflight gets no ``Access-Control-Allow-*``).
A listed origin may call with ``Content-Type`` and ``Authorization`` headers; no cookies
(``allow_credentials`` is off: staff authenticate with a bearer key, not a cookie).
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

# scheme://host[:port], nothing else: no wildcard, no path, no trailing slash
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::\d{1,5})?$")


def parse_origins(value: str) -> list[str]:
    """The origins of a comma- or space-separated list; raises ValueError on anything else."""
    origins = [part for part in re.split(r"[,\s]+", value.strip()) if part]
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ValueError(f"DXE_CORS_ORIGINS: not an origin (scheme://host[:port]): {origin!r}")
    return origins


def install_cors(app: FastAPI, origins_setting: str) -> list[str]:
    """Add the CORS middleware when origins are configured; returns the allowed origins."""
    origins = parse_origins(origins_setting)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"], max_age=600)
    return origins
