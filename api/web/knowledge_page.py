"""``GET /admin/knowledge``: the knowledge library page for editors and admins, and its
assets under ``/admin/knowledge/assets/`` (api/web/pages.py); it talks to
``/api/admin/knowledge/…``."""

from __future__ import annotations

from api.web.pages import CSS, JS, SVG, StaffPage

ASSET_TYPES = {"knowledge.js": JS, "knowledge.css": CSS, "icon.svg": SVG}
PAGE = StaffPage("/admin/knowledge", "knowledge.html", ASSET_TYPES,
                 "the library page (it asks for a sign-in when there is no staff session)")
router = PAGE.router()
