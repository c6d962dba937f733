"""``GET /admin``: the admin console's page, and its assets under ``/admin/assets/``
(api/web/pages.py).

ECharts is the npm package's ``dist/echarts.min.js`` that ``make vendor`` (part of
``make setup``) puts into ``var/vendor/``; it is served only if its sha256 is the pinned one
(the Makefile pins the same), else a 503 says to run ``make vendor``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from api.web.pages import CSS, JS, NEVER_FRAMED, SVG, AssetUnavailable, StaffPage, static_file
from api.web.router import security_headers
from hotline.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "var" / "vendor"
ECHARTS = "echarts.min.js"
ECHARTS_VERSION = "5.6.0"
ECHARTS_SHA256 = "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1"
# ECharts clears its chart container with ``innerHTML = ""``, which Trusted Types blocks
# without a policy: admin.js installs a ``default`` policy that lets exactly the empty
# string through (and nothing else); no other policy may be created.
TRUSTED_TYPES = "trusted-types default"


def admin_headers() -> dict[str, str]:
    """The chat page's security headers, with the one Trusted Types policy ECharts needs."""
    headers = security_headers(NEVER_FRAMED)
    policy = headers["Content-Security-Policy"]
    headers["Content-Security-Policy"] = policy.replace("trusted-types 'none'", TRUSTED_TYPES)
    return headers


class VendorMissing(AssetUnavailable):
    """ECharts is missing from var/vendor or is not the pinned build."""


def read_echarts(folder: Path = VENDOR_DIR) -> bytes:
    """The vendored ECharts, checked against :data:`ECHARTS_SHA256`."""
    path = folder / ECHARTS
    if not path.exists():
        raise VendorMissing(f"图表组件缺失，请运行 make vendor / {path} is missing")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != ECHARTS_SHA256:
        raise VendorMissing(f"图表组件版本不符，请运行 make vendor / {path} is not ECharts "
                            f"{ECHARTS_VERSION} (sha256 differs)")
    return data


def _read(name: str) -> bytes:
    return read_echarts() if name == ECHARTS else static_file(name)


PAGE = StaffPage("/admin", "admin.html",
                 {"admin.js": JS, "admin.css": CSS, "icon.svg": SVG, ECHARTS: JS},
                 "the admin console (sign-in form until a member is signed in)",
                 read=_read, headers=admin_headers)
router = PAGE.router()
