"""``GET /admin/directory``: the directory editor's page, and its assets under
``/admin/directory/assets/`` (api/web/pages.py); it talks to ``/api/admin/directory/…``."""

from __future__ import annotations

from api.web.pages import CSS, JS, StaffPage

PAGE = StaffPage("/admin/directory", "directory.html", {"directory.js": JS, "directory.css": CSS},
                 "the editor (signs in through /api/auth/login when there is no session)")
router = PAGE.router()
