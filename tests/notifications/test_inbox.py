"""Inbox rows after a real ticket flow through the app's Runtime, and the inbox endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotline.notifications.models import Notification
from hotline.security.accounts import create_staff
from hotline.tickets.service import NewTicket
from tests.sessions import issued

ENTERPRISE = "web-inbox-1"


def opened(runtime: Any, session_id: str = ENTERPRISE, district: str | None = "光谷"):  # type: ignore[no-untyped-def]
    return runtime.tickets.open(NewTicket(
        session_id=session_id, channel="web", question="科技型中小企业评价入库需要哪些材料？",
        company="武汉星河科技有限公司", phone="13912345678", district=district))


def rows(runtime: Any, ticket_id: str) -> list[tuple[str, str, str]]:
    with runtime.sessions() as session:
        found = session.query(Notification).filter_by(ticket_id=ticket_id) \
            .order_by(Notification.id).all()
        return [(n.recipient_kind, n.recipient_id, n.event) for n in found]


@pytest.fixture
def client(light_runtime: Any) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=light_runtime)) as test_client:
        yield test_client


def test_a_whole_ticket_flow_fills_the_right_inboxes(light_runtime: Any) -> None:
    runtime = light_runtime
    ticket = opened(runtime)
    assert ticket.owner == "彭华魁"  # 东湖高新区's liaison
    runtime.tickets.act(ticket.id, "note", "王敏", note="企业来电催办")
    runtime.tickets.act(ticket.id, "transfer", "王敏", to_owner="李静", to_role="staff",
                        note="属于成果转化业务")
    runtime.tickets.act(ticket.id, "contact", "李静")
    runtime.tickets.act(ticket.id, "resolve", "李静", resolution="已电话说明所需材料")
    runtime.ratings.rate(ENTERPRISE, 5, "很及时", ticket_id=ticket.id)
    runtime.tickets.act(ticket.id, "close", "王敏")

    assert rows(runtime, ticket.id) == [
        ("enterprise", ENTERPRISE, "create"), ("staff", "彭华魁", "create"),
        ("staff", "李静", "transfer"), ("staff", "彭华魁", "transfer"),
        ("enterprise", ENTERPRISE, "contact"), ("enterprise", ENTERPRISE, "resolve"),
    ]  # note, rate and close told nobody
    items, unread = runtime.notifications.inbox.list("enterprise", ENTERPRISE)
    assert [i.event for i in items] == ["resolve", "contact", "create"]  # newest first
    assert unread == 3
    assert "已电话说明所需材料" in items[0].text and "5 非常满意" in items[0].text
    assert "东湖高新区包区联系人彭华魁" in items[2].text
    # nothing configured for webhook or e-mail: nothing queued for delivery
    assert runtime.notifications.outbox.counts() == {"pending": 0, "sent": 0, "failed": 0}


def test_enterprise_inbox_endpoint_is_newest_first_and_marks_nothing(
        light_runtime: Any, client: TestClient) -> None:
    ticket = opened(light_runtime, session_id="web:inbox-2")
    light_runtime.tickets.act(ticket.id, "contact", "彭华魁")
    for _ in range(2):
        response = client.get("/api/notifications", params={"session_id": issued("web:inbox-2")})
        assert response.status_code == 200
        body = response.json()
        assert [n["event"] for n in body["data"]] == ["contact", "create"]
        assert body["unread"] == 2 and all(n["read_at"] is None for n in body["data"])
        assert all(n["ticket_id"] == ticket.id for n in body["data"])
    other = client.get("/api/notifications", params={"session_id": issued("web:nobody")}).json()
    assert other == {"data": [], "count": 0, "unread": 0}
    unsigned = client.get("/api/notifications", params={"session_id": "web:inbox-2"})
    assert unsigned.status_code == 401  # the id alone opens nobody's inbox
    assert client.get("/api/notifications", params={"session_id": "bad id!"}).status_code == 422


def test_staff_read_their_own_inbox_and_mark_it_read(
        light_runtime: Any, client: TestClient) -> None:
    _, li_key = create_staff(light_runtime.sessions, "李静")
    _, wang_key = create_staff(light_runtime.sessions, "王敏")
    li = {"Authorization": f"Bearer {li_key}"}
    ticket = opened(light_runtime, session_id="web-inbox-3", district=None)  # triage queue
    light_runtime.tickets.act(ticket.id, "assign", "王敏", to_owner="李静", to_role="staff")

    assert client.get("/api/staff/notifications").status_code == 401
    mine = client.get("/api/staff/notifications", headers=li).json()
    assert mine["count"] == 1 and mine["unread"] == 1
    item = mine["data"][0]
    assert item["event"] == "assign" and item["ticket_id"] == ticket.id
    assert "新工单" in item["text"]
    assert client.get("/api/staff/notifications",
                      headers={"Authorization": f"Bearer {wang_key}"}).json()["count"] == 0

    # someone else cannot mark it; its owner can, and again is harmless
    assert client.post(f"/api/staff/notifications/{item['id']}/read",
                       headers={"Authorization": f"Bearer {wang_key}"}).status_code == 404
    first = client.post(f"/api/staff/notifications/{item['id']}/read", headers=li)
    assert first.status_code == 200 and first.json()["read_at"] is not None
    again = client.post(f"/api/staff/notifications/{item['id']}/read", headers=li).json()
    assert again["read_at"] == first.json()["read_at"]
    assert client.post("/api/staff/notifications/999999/read", headers=li).status_code == 404
    after = client.get("/api/staff/notifications", headers=li,
                       params={"unread_only": True}).json()
    assert after == {"data": [], "count": 0, "unread": 0}
