"""Admins manage accounts and read the audit log; nobody else may (OWASP API5)."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff

ROUTES = [("GET", "/api/admin/staff", None), ("POST", "/api/admin/staff", {"name": "x"}),
          ("POST", "/api/admin/staff/1/disable", None), ("GET", "/api/admin/audit", None),
          ("GET", "/api/admin/audit.csv", None),
          ("POST", "/api/admin/staff/1/password", {"password": "长江大桥-黄鹤楼-2026"})]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("role", ["staff", "liaison", "editor"])
def test_only_admins_reach_the_admin_routes(client: TestClient, runtime: Any, role: str) -> None:
    _member, key = create_staff(runtime.sessions, f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                district="江夏区" if role == "liaison" else None)
    for method, path, body in ROUTES:
        assert client.request(method, path, json=body).status_code == 401, path
        assert client.request(method, path, json=body, headers=bearer(key)).status_code == 403


def test_accounts_are_created_disabled_and_audited(client: TestClient, runtime: Any,
                                                  admin_headers: dict[str, str]) -> None:
    name = f"光谷联络员-{uuid.uuid4().hex[:6]}"
    created = client.post("/api/admin/staff", headers=admin_headers,
                          json={"name": name, "role": "liaison", "district": "光谷"})
    assert created.status_code == 201
    account = created.json()
    assert account["district"] == "东湖高新区" and account["api_key"].startswith("dxe_")
    assert client.get("/api/staff/tickets", headers=bearer(account["api_key"])).status_code == 200
    again = client.post("/api/admin/staff", headers=admin_headers, json={"name": name})
    assert again.status_code == 409
    unknown = client.post("/api/admin/staff", headers=admin_headers,
                          json={"name": f"x-{uuid.uuid4().hex[:6]}", "role": "liaison",
                                "district": "火星"})
    assert unknown.status_code == 422

    listed = client.get("/api/admin/staff", headers=admin_headers).json()["data"]
    row = next(a for a in listed if a["name"] == name)
    assert "api_key" not in row and "key_sha256" not in row and row["active"] is True
    disabled = client.post(f"/api/admin/staff/{account['id']}/disable", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/staff/tickets", headers=bearer(account["api_key"])).status_code == 401
    runtime.logins.set_password(name, "东湖之滨-光谷创新-2026", actor="测试管理员")

    audit = client.get("/api/admin/audit", headers=admin_headers,
                       params={"kind": "staff"}).json()["data"]
    mine = [e for e in audit if e["subject_id"] == str(account["id"])]
    assert [e["action"] for e in mine] == ["password_set", "disable", "create"]  # newest first
    assert mine[1]["before"]["active"] is True and mine[1]["after"]["active"] is False
    assert mine[2]["after"]["district"] == "东湖高新区" and mine[2]["actor"] == "测试管理员"
    assert all("dxe_" not in str(e) and "光谷创新" not in str(e) for e in mine)  # no secrets

    exported = client.get("/api/admin/audit.csv", headers=admin_headers, params={"kind": "staff"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert any(r[3] == "disable" and r[5] == str(account["id"]) for r in rows[1:])


def test_an_admin_cannot_disable_themselves(client: TestClient, runtime: Any) -> None:
    member, key = create_staff(runtime.sessions, f"管理员-{uuid.uuid4().hex[:6]}", role="admin")
    refused = client.post(f"/api/admin/staff/{member.id}/disable", headers=bearer(key))
    assert refused.status_code == 409


def test_csv_cells_never_start_a_formula() -> None:
    from datetime import UTC, datetime

    from hotline.audit.log import AuditRecord, to_csv

    text = to_csv([AuditRecord(1, datetime(2026, 12, 1, tzinfo=UTC), "=HYPERLINK(\"x\")",
                               "create", "staff", "1", None, {"name": "@evil"})])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][2].startswith("'=")


def test_an_admin_sets_a_password_and_the_account_signs_in(client: TestClient, runtime: Any,
                                                           admin_headers: dict[str, str]) -> None:
    name = f"新坐席-{uuid.uuid4().hex[:6]}"
    account = client.post("/api/admin/staff", headers=admin_headers, json={"name": name}).json()
    password = "江城热线-首问负责-2026"
    assert client.post("/api/auth/login", json={"name": name, "password": password}
                       ).status_code == 401  # no password yet: no sign-in
    weak = client.post(f"/api/admin/staff/{account['id']}/password", headers=admin_headers,
                       json={"password": "short"})
    assert weak.status_code == 422 and "密码" in weak.json()["message"]
    assert client.post("/api/admin/staff/999999/password", headers=admin_headers,
                       json={"password": password}).status_code == 404
    done = client.post(f"/api/admin/staff/{account['id']}/password", headers=admin_headers,
                       json={"password": password})
    assert done.status_code == 204
    signed = client.post("/api/auth/login", json={"name": name, "password": password})
    assert signed.status_code == 200, signed.text
    client.cookies.clear()
    audit = client.get("/api/admin/audit", headers=admin_headers,
                       params={"kind": "staff"}).json()["data"]
    entry = next(e for e in audit if e["subject_id"] == str(account["id"])
                 and e["action"] == "password_set")
    assert entry["actor"] == "测试管理员" and password not in str(entry)
