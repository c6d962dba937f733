"""Every route under /api/staff and /api/admin — taken from the app itself, so a new one
cannot be forgotten — answers 401 without a sign-in, and no route there is open to a role
that holds none of the scopes (an account whose role was disabled is refused too)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotline.security.accounts import create_staff, set_active

GUARDED = ("/api/staff", "/api/admin")


def _guarded_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the app's schema under the guarded prefixes (every staff and
    admin route is in the schema: the schemathesis run covers them), a valid-looking value
    for each path parameter."""
    routes: list[tuple[str, str]] = []
    for template, operations in create_app().openapi()["paths"].items():
        if template.startswith(GUARDED):
            path = re.sub(r"\{[^}]+\}", "1", template)
            routes.extend((method.upper(), path) for method in sorted(operations))
    return routes


ROUTES = _guarded_routes()


def test_the_guarded_routes_are_all_found() -> None:
    paths = {path for _method, path in ROUTES}
    for expected in ("/api/staff/tickets", "/api/staff/queues", "/api/admin/staff",
                     "/api/admin/knowledge/documents", "/api/admin/directory",
                     "/api/admin/dashboard", "/api/admin/try", "/api/staff/appointments",
                     "/api/staff/appointments/1/attendance", "/api/staff/slots/blocks",
                     "/api/admin/registries/imports",
                     "/api/admin/registries/versions/1/activate"):
        assert expected in paths, expected
    assert len(ROUTES) >= 40


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_no_sign_in_is_401(client: TestClient, method: str, path: str) -> None:
    client.cookies.clear()
    response = client.request(method, path, json={})
    assert response.status_code == 401, (method, path, response.status_code, response.text)


def test_a_disabled_account_reaches_none_of_them(client: TestClient, runtime: Any) -> None:
    member, key = create_staff(runtime.sessions, f"停用管理员-{uuid.uuid4().hex[:6]}",
                               role="admin")
    set_active(runtime.sessions, member.id, False, "测试")
    for method, path in ROUTES:
        response = client.request(method, path, json={},
                                  headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 401, (method, path, response.status_code)
