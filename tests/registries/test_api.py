"""The registries' admin routes: who may call each (401 / 403 / 2xx), bad input (4xx with a
Chinese message, never 5xx), upload → preview → activate, the version list, the format."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.registries.conftest import SOURCE, fixture_bytes

ROUTES: list[tuple[str, str, str, Any]] = [  # (method, path, scope, body)
    ("GET", "/api/admin/registries/format", "read", None),
    ("GET", "/api/admin/registries/versions", "read", None),
    ("GET", "/api/admin/registries/versions/1", "read", None),
    ("POST", "/api/admin/registries/imports", "edit", {}),
    ("POST", "/api/admin/registries/versions/1/activate", "edit", None),
]


def _upload(name: str, kind: str = "hightech", **changes: Any) -> dict[str, Any]:
    body = {"kind": kind, "filename": name, "source": SOURCE, "published_on": "2024-12-20",
            "content_base64": base64.b64encode(fixture_bytes(name)).decode()}
    body.update(changes)
    return body


@pytest.mark.parametrize("method,path,scope,body", ROUTES)
def test_every_route_needs_a_sign_in_and_the_right_role(registry_client: Any, keys: Any,
                                                        method: str, path: str, scope: str,
                                                        body: Any) -> None:
    assert registry_client.request(method, path, json=body).status_code == 401
    refused = {"read": ("staff", "liaison"), "edit": ("staff", "liaison", "editor")}[scope]
    for role in refused:
        response = registry_client.request(method, path, json=body, headers=keys[role])
        assert response.status_code == 403, (role, response.text)


def test_the_format_lists_the_chinese_headers(registry_client: Any, keys: Any) -> None:
    response = registry_client.get("/api/admin/registries/format", headers=keys["editor"])
    assert response.status_code == 200
    formats = {f["kind"]: f for f in response.json()["data"]}
    assert [c["header"] for c in formats["hightech"]["columns"]] == \
        ["企业名称", "证书编号", "发证日期", "有效期至"]
    assert [c["header"] for c in formats["incubator"]["columns"]] == \
        ["名称", "级别", "类型", "所在区", "地址", "运营主体"]
    assert [c["header"] for c in formats["commissioner"]["columns"]] == \
        ["姓名", "服务领域", "工作单位", "服务区域"]
    assert "GBK" in response.json()["encodings"]


def test_upload_preview_then_activate(registry_client: Any, keys: Any,
                                      registry_runtime: Any) -> None:
    admin = keys["admin"]
    created = registry_client.post("/api/admin/registries/imports", headers=admin,
                                   json=_upload("incubators_gbk.csv", "incubator"))
    assert created.status_code == 201, created.text
    body = created.json()
    version = body["version"]
    assert (version["status"], version["row_count"], version["rejected_count"]) == \
        ("preview", 7, 2)
    assert version["generated"] and version["label"] == "科技企业孵化器和众创空间名单"
    assert body["rows"][0] == {"row": 3, "name": "光谷创芯孵化器", "level": "国家级",
                               "kind": "孵化器", "district": "东湖高新区",
                               "address": "高新大道 1 号（虚构）",
                               "operator": "武汉光谷创芯孵化管理有限公司（虚构）"}
    assert body["rejected"][1] == {"row": 11, "reason": "所在区“火星区”不是名录中的区（开发区）"}
    shown = registry_client.get(f"/api/admin/registries/versions/{version['id']}",
                                headers=keys["editor"])
    assert shown.status_code == 200 and shown.json() == body
    activated = registry_client.post(
        f"/api/admin/registries/versions/{version['id']}/activate", headers=admin)
    assert activated.status_code == 200 and activated.json()["version"]["status"] == "active"
    again = registry_client.post(
        f"/api/admin/registries/versions/{version['id']}/activate", headers=admin)
    assert again.status_code == 409 and "已是当前生效的版本" in again.json()["message"]
    listed = registry_client.get("/api/admin/registries/versions?kind=incubator",
                                 headers=keys["editor"]).json()
    assert listed["data"][0]["id"] == version["id"] and listed["data"][0]["status"] == "active"
    entries = registry_runtime.audit.entries("registry_version", 10)
    assert {e.action for e in entries} >= {"registry.import", "registry.activate"}


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"filename": "x.csv", "content_base64": "!!!"}, 422, "base64"),
    ({"filename": "x.txt"}, 422, "只支持 .csv 和 .xlsx"),
    ({"kind": "hospital"}, 422, "kind"),
    ({"published_on": "去年"}, 422, "published_on"),
    ({"source": ""}, 422, "source"),
    ({"filename": "x.csv", "content_base64": base64.b64encode(
        "企业名称,发证日期\r\n某公司,2024-01-01\r\n".encode()).decode()}, 422, "表头缺少“证书编号”列"),
])
def test_bad_uploads_are_4xx_with_a_reason(registry_client: Any, keys: Any,
                                           body: dict[str, Any], status: int,
                                           message: str) -> None:
    response = registry_client.post("/api/admin/registries/imports", headers=keys["admin"],
                                    json=_upload("hightech.csv", **body))
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_unknown_versions_are_404(registry_client: Any, keys: Any) -> None:
    assert registry_client.get("/api/admin/registries/versions/987654",
                               headers=keys["admin"]).status_code == 404
    response = registry_client.post("/api/admin/registries/versions/987654/activate",
                                    headers=keys["admin"])
    assert response.status_code == 404 and "没有这个版本" in response.json()["message"]
    assert registry_client.get("/api/admin/registries/versions/0",
                               headers=keys["admin"]).status_code == 422


def test_a_signed_in_admin_needs_the_csrf_header(registry_client: Any,
                                                 registry_runtime: Any) -> None:
    from fastapi.testclient import TestClient

    from api.auth import CSRF_HEADER
    from api.main import create_app
    from hotline.security.accounts import create_staff

    create_staff(registry_runtime.sessions, "名单管理员-浏览器", role="admin")
    registry_runtime.logins.set_password("名单管理员-浏览器", "汉口江滩-春天来了-2026")
    with TestClient(create_app(runtime=registry_runtime)) as browser:
        signed = browser.post("/api/auth/login", json={"name": "名单管理员-浏览器",
                                                       "password": "汉口江滩-春天来了-2026"})
        assert signed.status_code == 200, signed.text
        body = _upload("commissioners.xlsx", "commissioner")
        forged = browser.post("/api/admin/registries/imports", json=body)
        assert forged.status_code == 403 and CSRF_HEADER in forged.json()["message"]
        done = browser.post("/api/admin/registries/imports", json=body,
                            headers={CSRF_HEADER: signed.json()["csrf_token"]})
        assert done.status_code == 201, done.text
