"""Ticket endpoints over the real app: the enterprise's cards and ratings, staff actions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff
from hotline.tickets.service import NewTicket
from tests.sessions import credential_for, new_session


@pytest.fixture(scope="module")
def staff_key(runtime) -> str:  # type: ignore[no-untyped-def]
    _member, key = create_staff(runtime.sessions, "热线-李敏", "staff")
    return key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def open_ticket(runtime, session_id: str, district: str | None = "光谷") -> str:  # type: ignore[no-untyped-def]
    return runtime.tickets.open(NewTicket(  # type: ignore[no-any-return]
        session_id=session_id, channel="web", question="揭榜挂帅项目怎么申报",
        company="武汉云帆智能有限公司", phone="13712345678", district=district)).id


def act(client: TestClient, key: str, ticket_id: str, **body: Any) -> Any:
    return client.post(f"/api/staff/tickets/{ticket_id}/actions", headers=auth(key), json=body)


def test_staff_endpoints_need_a_valid_key(client: TestClient) -> None:
    missing = client.get("/api/staff/tickets")
    assert missing.status_code == 401 and "工作人员" in missing.json()["message"]
    wrong = client.get("/api/staff/tickets", headers=auth("dxe_not-a-key"))
    assert wrong.status_code == 401


def test_staff_work_a_ticket_and_the_enterprise_sees_it(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                        staff_key: str) -> None:
    ticket_id = open_ticket(runtime, "web:api-1", district=None)
    mine = credential_for(runtime, "web:api-1")
    cards = client.get("/api/tickets", params={"session_id": mine}).json()
    assert cards["count"] == 1 and cards["tickets"][0]["status_label"] == "待分派"

    refused = act(client, staff_key, ticket_id, action="resolve", resolution="已答复")
    assert refused.status_code == 409 and "待分派" in refused.json()["message"]
    assigned = act(client, staff_key, ticket_id, action="assign", to_owner="彭华魁",
                   to_role="liaison")
    assert assigned.status_code == 200 and assigned.json()["owner"] == "彭华魁"
    act(client, staff_key, ticket_id, action="contact", note="已电话联系")
    done = act(client, staff_key, ticket_id, action="resolve", resolution="已说明申报渠道").json()
    assert done["status"] == "resolved"
    assert done["allowed_actions"] == ["close", "note", "rate", "reopen"]
    assert [step["action"] for step in done["history"]] == ["create", "assign", "contact",
                                                            "resolve"]
    assert done["history"][1]["actor"] == "热线-李敏" and done["first_owner"] == "店小二热线"

    other = client.post("/api/ratings", json={"session_id": new_session(client), "level": 1,
                                              "ticket_id": ticket_id})
    assert other.status_code == 404  # only the ticket's own session rates it
    rated = client.post("/api/ratings", json={"session_id": mine, "level": 5,
                                              "ticket_id": ticket_id})
    assert rated.status_code == 201 and rated.json()["label"] == "非常满意"
    twice = client.post("/api/ratings", json={"session_id": mine, "level": 5,
                                              "ticket_id": ticket_id})
    assert twice.status_code == 409 and "已经评价" in twice.json()["message"]
    detail = client.get(f"/api/staff/tickets/{ticket_id}", headers=auth(staff_key)).json()
    assert detail["status"] == "rated"


def test_staff_list_filters_and_unknown_tickets(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                staff_key: str) -> None:
    ticket_id = open_ticket(runtime, "web:api-2", district="江夏")
    listed = client.get("/api/staff/tickets", headers=auth(staff_key),
                        params={"district": "江夏区", "status": "assigned"}).json()
    assert ticket_id in {t["ticket_id"] for t in listed["data"]}
    assert all(t["district"] == "江夏区" for t in listed["data"])
    bad = client.get("/api/staff/tickets", headers=auth(staff_key), params={"status": "lost"})
    assert bad.status_code == 422
    missing = client.get("/api/staff/tickets/DXE00000000-000000", headers=auth(staff_key))
    assert missing.status_code == 404
    transfer = act(client, staff_key, ticket_id, action="transfer", to_owner="王芳")
    assert transfer.status_code == 409 and "原因" in transfer.json()["message"]


def test_poor_rating_shows_up_as_a_rectification_for_staff(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                           staff_key: str,
                                                           admin_headers: dict[str, str]) -> None:
    session = new_session(client)
    chat = client.post("/api/chat", json={"session_id": session, "text": "高企 网上能办不"})
    assert chat.status_code == 200 and chat.json()["turn_id"]
    vote = client.post("/api/feedback", json={"session_id": session,
                                              "turn_id": chat.json()["turn_id"],
                                              "helpful": False})
    assert vote.status_code == 200
    rated = client.post("/api/ratings", json={"session_id": session, "level": 2,
                                              "comment": "<b>答非所问</b>"}).json()
    assert rated["rectification_id"]
    items = client.get("/api/staff/rectifications", headers=auth(staff_key),
                       params={"state": "open"}).json()["data"]
    item = next(i for i in items if i["id"] == rated["rectification_id"])
    early = client.post(f"/api/staff/rectifications/{item['id']}/close",
                        headers=admin_headers, json={"outcome": "已补充FAQ"})
    assert early.status_code == 409
    called = client.post(f"/api/staff/rectifications/{item['id']}/callbacks",
                         headers=auth(staff_key), json={"satisfied": True})
    assert called.status_code == 201
    hotline = client.post(f"/api/staff/rectifications/{item['id']}/close",
                          headers=auth(staff_key), json={"outcome": "已补充FAQ"})
    assert hotline.status_code == 403  # closing a 整改 item is the admin's
    closed = client.post(f"/api/staff/rectifications/{item['id']}/close",
                         headers=admin_headers, json={"outcome": "已补充FAQ"})
    assert closed.status_code == 200 and closed.json()["status"] == "done"


def test_bad_rating_requests_get_clear_errors(client: TestClient) -> None:
    assert client.post("/api/ratings", json={"session_id": "web-x", "level": 9}).status_code == 422
    never = new_session(client)
    nothing = client.post("/api/ratings", json={"session_id": never, "level": 5})
    assert nothing.status_code == 400 and "还没有" in nothing.json()["message"]
    stranger = client.post("/api/feedback", json={"session_id": never, "turn_id": 999999,
                                                  "helpful": True})
    assert stranger.status_code == 404


def test_staff_member_who_takes_a_call_is_its_first_responder(client: TestClient,
                                                              staff_key: str) -> None:
    created = client.post("/api/staff/tickets", headers=auth(staff_key), json={
        "question": "企业电话咨询：研发费用加计扣除备案", "company": "武汉云帆智能有限公司",
        "phone": "027-87654321", "district": "车谷"})
    assert created.status_code == 201
    body = created.json()
    assert body["first_owner"] == "热线-李敏" and body["district"] == "武汉开发区"
    assert body["owner"] != "热线-李敏" and body["channel"] == "phone"
    empty = client.post("/api/staff/tickets", headers=auth(staff_key), json={"question": ""})
    assert empty.status_code == 422
