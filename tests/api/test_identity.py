"""Nobody reads or acts on another enterprise's conversation or tickets (OWASP API1, API2).

The web API accepts only credentials it issued; WeChat and staff-call ids are unreachable
from it; a ticket opened elsewhere is seen only after proving its number and phone.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.tickets.service import NewTicket
from tests.sessions import credential_for, internal_id, new_session

BORROWED = ["wx:oFAKE_OPENID_0001", "staff:1", "call:abc", "eh:u10086:0123456789abcdef01234567",
            "web:made-up", "web-0123456789abcdef0123456789abcdef"]


def requests_for(credential: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every enterprise route, carrying ``credential``."""
    return [
        ("POST", "/api/chat", {"json": {"session_id": credential, "text": "我的工单进度"}}),
        ("GET", "/api/tickets", {"params": {"session_id": credential}}),
        ("GET", "/api/notifications", {"params": {"session_id": credential}}),
        ("POST", "/api/ratings", {"json": {"session_id": credential, "level": 1}}),
        ("POST", "/api/feedback", {"json": {"session_id": credential, "turn_id": 1,
                                            "helpful": False}}),
        ("POST", "/api/tickets/claim", {"json": {"session_id": credential,
                                                 "ticket_id": "DXE20261201-000000",
                                                 "phone": "13900000000"}}),
    ]


@pytest.mark.parametrize("borrowed", BORROWED)
def test_ids_not_issued_by_the_server_open_nothing(client: TestClient, borrowed: str) -> None:
    for method, path, kwargs in requests_for(borrowed):
        response = client.request(method, path, **kwargs)
        assert response.status_code == 401, (path, response.text)
        assert "会话" in response.json()["message"]


def test_a_tampered_credential_is_refused(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    credential = new_session(client)
    session_id, signature = credential.rsplit(".", 1)
    other = f"wx:oFAKE.{signature}"  # someone else's id under this signature
    # change the first character: base64's last one carries padding bits, so changing it
    # may leave the decoded signature as it was
    flipped = f"{session_id}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    for forged in (other, flipped, session_id):
        response = client.post("/api/chat", json={"session_id": forged, "text": "你好"})
        assert response.status_code == 401


def test_issued_credentials_are_unguessable_and_bound_to_their_channel(client: TestClient,
                                                                        runtime: Any) -> None:
    issued = {new_session(client) for _ in range(20)}
    assert len(issued) == 20
    stored = {internal_id(runtime, c) for c in issued}
    assert all(s.startswith("web:") and len(s) >= 4 + 22 for s in stored)
    embedded = client.post("/api/sessions", json={"channel": "ehuiban"}).json()
    assert embedded["channel"] == "ehuiban"
    turn = client.post("/api/chat", json={"session_id": embedded["session_id"], "text": "你好",
                                          "channel": "wechat"})  # the body cannot pick one
    assert turn.status_code == 200
    last = runtime.conversation_log.recent(internal_id(runtime, embedded["session_id"]))[-1]
    assert last.channel == "ehuiban"


def open_ticket(runtime, session_id: str, phone: str = "13712345678",  # type: ignore[no-untyped-def]
                company: str = "武汉云帆智能有限公司") -> str:
    return runtime.tickets.open(NewTicket(  # type: ignore[no-any-return]
        session_id=session_id, channel="web", question="揭榜挂帅项目怎么申报",
        company=company, phone=phone, district="江夏")).id


def ticket_ids(client: TestClient, credential: str) -> set[str]:
    response = client.get("/api/tickets", params={"session_id": credential})
    assert response.status_code == 200
    return {card["ticket_id"] for card in response.json()["tickets"]}


def test_same_company_and_phone_typed_in_another_session_link_nothing(client: TestClient,
                                                                      runtime: Any) -> None:
    victim = open_ticket(runtime, "web:identity-victim", phone="13712340100")
    intruder = new_session(client)
    handoff = client.post("/api/chat", json={
        "session_id": intruder, "text": "转人工，我们是武汉云帆智能有限公司 13712340100，在江夏"})
    assert handoff.status_code == 200 and handoff.json()["handoff"]
    assert victim not in ticket_ids(client, intruder)
    rating = client.post("/api/ratings", json={"session_id": intruder, "level": 1,
                                               "ticket_id": victim})
    assert rating.status_code == 404


def test_a_ticket_is_linked_by_its_number_and_phone_only(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    ticket_id = open_ticket(runtime, "web:identity-phone-owner", phone="027-8765 4321")
    other_device = new_session(client)
    wrong_phone = client.post("/api/tickets/claim", json={
        "session_id": other_device, "ticket_id": ticket_id, "phone": "027-87654322"})
    wrong_number = client.post("/api/tickets/claim", json={
        "session_id": other_device, "ticket_id": "DXE20000101-ABCDEF", "phone": "02787654321"})
    assert wrong_phone.status_code == wrong_number.status_code == 404
    assert wrong_phone.json()["message"] == wrong_number.json()["message"]  # says not which
    assert ticket_id not in ticket_ids(client, other_device)

    proved = client.post("/api/tickets/claim", json={
        "session_id": other_device, "ticket_id": ticket_id.lower(), "phone": "02787654321"})
    assert proved.status_code == 200 and proved.json()["ticket_id"] == ticket_id
    again = client.post("/api/tickets/claim", json={
        "session_id": other_device, "ticket_id": ticket_id, "phone": "027 87654321"})
    assert again.status_code == 200  # idempotent
    assert ticket_id in ticket_ids(client, other_device)
    assert ticket_id in ticket_ids(client, credential_for(runtime, "web:identity-phone-owner"))


def test_a_phone_call_ticket_belongs_to_no_web_session(client: TestClient, runtime,  # type: ignore[no-untyped-def]
                                                       staff_headers: dict[str, str]) -> None:
    created = client.post("/api/staff/tickets", headers=staff_headers, json={
        "question": "电话咨询：科技型中小企业评价", "phone": "13800001111", "district": "洪山"})
    assert created.status_code == 201
    ticket = runtime.tickets.get(created.json()["ticket_id"])
    assert ticket.session_id.startswith("call:") and len(ticket.session_id) > 12
    second = client.post("/api/staff/tickets", headers=staff_headers, json={
        "question": "另一个来电", "phone": "13800002222"}).json()
    assert runtime.tickets.get(second["ticket_id"]).session_id != ticket.session_id
    caller = new_session(client)
    assert ticket.id not in ticket_ids(client, caller)
    claimed = client.post("/api/tickets/claim", json={
        "session_id": caller, "ticket_id": ticket.id, "phone": "+86 138 0000 1111"})
    assert claimed.status_code == 200 and ticket.id in ticket_ids(client, caller)


def test_votes_only_on_the_sessions_own_turns(client: TestClient) -> None:
    owner = new_session(client)
    turn = client.post("/api/chat", json={"session_id": owner, "text": "高企 网上能办不"}).json()
    stranger = client.post("/api/feedback", json={"session_id": new_session(client),
                                                  "turn_id": turn["turn_id"], "helpful": False})
    assert stranger.status_code == 404
    mine = client.post("/api/feedback", json={"session_id": owner, "turn_id": turn["turn_id"],
                                              "helpful": True})
    assert mine.status_code == 200
