"""Staff act only within their role (OWASP API5) and liaisons only on their district (API1)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff
from hotline.security.roles import SCOPES, Role, allowed
from hotline.tickets.service import NewTicket


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def liaison_key(runtime) -> str:  # type: ignore[no-untyped-def]
    _member, key = create_staff(runtime.sessions, f"江夏联络员-{uuid.uuid4().hex[:6]}",
                                role="liaison", district="江夏区")
    return key


def open_ticket(runtime, district: str) -> str:  # type: ignore[no-untyped-def]
    return runtime.tickets.open(NewTicket(  # type: ignore[no-any-return]
        session_id=f"web:roles-{uuid.uuid4().hex[:8]}", channel="web",
        question="研发费用后补助怎么申请", company="武汉云帆智能有限公司",
        phone="13712345678", district=district)).id


def test_every_scope_is_held_by_the_admin_and_unknown_scopes_by_nobody() -> None:
    assert all(allowed(Role.ADMIN, scope) for scope in SCOPES)
    assert not allowed(Role.ADMIN, "tickets.delete")
    assert not allowed("visitor", "assist.suggest")


def test_a_liaison_sees_and_works_only_their_districts_tickets(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                               liaison_key: str) -> None:
    mine = open_ticket(runtime, "江夏")
    other = open_ticket(runtime, "洪山")
    listed = client.get("/api/staff/tickets", headers=headers(liaison_key),
                        params={"limit": 200}).json()["data"]
    assert mine in {t["ticket_id"] for t in listed}
    assert {t["district"] for t in listed} == {"江夏区"}
    for_other = client.get("/api/staff/tickets", headers=headers(liaison_key),
                           params={"district": "洪山区"}).json()
    assert other not in {t["ticket_id"] for t in for_other["data"]}
    assert client.get(f"/api/staff/tickets/{other}", headers=headers(liaison_key)).status_code == 404
    refused = client.post(f"/api/staff/tickets/{other}/actions", headers=headers(liaison_key),
                          json={"action": "note", "note": "不是我的区"})
    assert refused.status_code == 404
    assert runtime.tickets.get(other).events[-1].action == "create"  # nothing happened
    worked = client.post(f"/api/staff/tickets/{mine}/actions", headers=headers(liaison_key),
                         json={"action": "contact", "note": "已电话联系"})
    assert worked.status_code == 200


def test_a_liaison_keeps_a_ticket_transferred_to_them(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                      staff_headers: dict[str, str]) -> None:
    name = f"跨区联络员-{uuid.uuid4().hex[:6]}"
    _member, key = create_staff(runtime.sessions, name, role="liaison", district="江夏区")
    ticket_id = open_ticket(runtime, "洪山")
    moved = client.post(f"/api/staff/tickets/{ticket_id}/actions", headers=staff_headers,
                        json={"action": "transfer", "to_owner": name, "to_role": "liaison",
                              "note": "企业实际在江夏办公"})
    assert moved.status_code == 200
    assert client.get(f"/api/staff/tickets/{ticket_id}", headers=headers(key)).status_code == 200


def test_function_level_scopes(client: TestClient, liaison_key: str,
                               staff_headers: dict[str, str],
                               admin_headers: dict[str, str]) -> None:
    phone_ticket = {"question": "来电咨询", "phone": "13800003333"}
    assert client.post("/api/staff/tickets", headers=headers(liaison_key),
                       json=phone_ticket).status_code == 403
    assert client.post("/api/staff/tickets", headers=staff_headers,
                       json=phone_ticket).status_code == 201
    assert client.get("/api/staff/rectifications", headers=headers(liaison_key)).status_code == 403
    assert client.get("/api/staff/problems", headers=headers(liaison_key)).status_code == 403
    assert client.get("/api/staff/problems", headers=staff_headers).status_code == 200
    resolve = {"resolution": "已补充知识库"}
    staff_resolve = client.post("/api/staff/problems/g-none/resolve", headers=staff_headers, json=resolve)
    assert staff_resolve.status_code == 403 and "权限" in staff_resolve.json()["message"]
    assert client.post("/api/staff/problems/g-none/resolve", headers=admin_headers,
                       json=resolve).status_code in (404, 422)  # allowed; no such group
    suggest = client.post("/api/assist/suggest", headers=headers(liaison_key),
                          json={"question": "高企认定网上能办吗"})
    assert suggest.status_code == 200


def test_a_liaison_account_needs_a_district(runtime) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="district"):
        create_staff(runtime.sessions, f"无区联络员-{uuid.uuid4().hex[:6]}", role="liaison")
    with pytest.raises(ValueError, match="district"):
        create_staff(runtime.sessions, f"有区坐席-{uuid.uuid4().hex[:6]}", district="江夏区")
