"""Bearer headers of one staff account per role, for route tests on a runtime of their own."""

from __future__ import annotations

from typing import Any

from hotline.security.accounts import create_staff

ROLES = ("staff", "liaison", "editor", "admin")


def role_headers(sessions: Any, label: str, district: str = "江夏区") -> dict[str, dict[str, str]]:
    """``{role: {"Authorization": "Bearer …"}}``, accounts named ``<label>-<role>`` (the
    liaison serves ``district``)."""
    headers = {}
    for role in ROLES:
        _member, key = create_staff(sessions, f"{label}-{role}", role=role,
                                    district=district if role == "liaison" else None)
        headers[role] = {"Authorization": f"Bearer {key}"}
    return headers
