"""``GET /admin/registries``: the registries' import page (登记名录) for editors (read) and
admins (import, activate), and its assets under ``/admin/registries/assets/``
(api/web/pages.py; it shares the directory editor's stylesheet); it talks to
``/api/admin/registries/…``."""

from __future__ import annotations

from api.web.pages import CSS, JS, SVG, StaffPage

PAGE = StaffPage("/admin/registries", "registries.html",
                 {"registries.js": JS, "registries.css": CSS, "directory.css": CSS,
                  "icon.svg": SVG},
                 "the registries page (it asks for a sign-in when there is no staff session)")
router = PAGE.router()
