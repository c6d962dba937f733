"""``GET /console``: the hotline staff console (queues, tickets, suggested answers,
replies; the 预约 view in bookings.js), and its assets under ``/console/assets/``
(api/web/pages.py)."""

from __future__ import annotations

from api.web.pages import CSS, JS, SVG, StaffPage

PAGE = StaffPage("/console", "console.html",
                 {"console.js": JS, "bookings.js": JS, "console.css": CSS, "icon.svg": SVG},
                 "the console (a sign-in form until the member has signed in)")
router = PAGE.router()
