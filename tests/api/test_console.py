"""The staff console's API over the real app: queues, replies, colleagues, the chat before
the handoff, and the page itself. Each route: 401 without sign-in, 403 for a role without
tickets (an editor), 200 for staff, and 404 for a liaison on another district's ticket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import CSRF_HEADER
from hotline.conversations.models import ChatTurn
from hotline.security.accounts import create_staff
from hotline.tickets.service import NewTicket
from tests.sessions import credential_for

PASSWORD = "黄鹤楼-长江大桥-2026"
REPLY = "您好，揭榜挂帅项目请在市科技局官网的申报系统中填报，截止时间以当年通知为准。"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keys(runtime: Any) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    made = {"staff": create_staff(runtime.sessions, f"控制台坐席-{suffix}")[1],
            "editor": create_staff(runtime.sessions, f"控制台编辑-{suffix}", role="editor")[1],
            "liaison": create_staff(runtime.sessions, f"控制台江夏-{suffix}", role="liaison",
                                    district="江夏区")[1]}
    return made


def open_ticket(runtime: Any, district: str | None = "光谷", session_id: str | None = None,
                channel: str = "web") -> Any:
    return runtime.tickets.open(NewTicket(
        session_id=session_id or f"web:console-{uuid.uuid4().hex[:8]}", channel=channel,
        question="揭榜挂帅项目怎么申报", company="武汉云帆智能有限公司", phone="13712345678",
        district=district))


ROUTES = [("GET", "/api/staff/queues", None), ("GET", "/api/staff/members", None),
          ("GET", "/api/staff/tickets?queue=mine", None),
          ("POST", "/api/staff/tickets/DXE20260101-000000/replies", {"text": REPLY})]


@pytest.mark.parametrize(("method", "url", "body"), ROUTES)
def test_console_routes_need_sign_in_and_a_ticket_role(client: TestClient, keys: dict[str, str],
                                                       method: str, url: str,
                                                       body: dict[str, str] | None) -> None:
    assert client.request(method, url, json=body).status_code == 401
    forbidden = client.request(method, url, json=body, headers=auth(keys["editor"]))
    assert forbidden.status_code == 403 and "权限" in forbidden.json()["message"]


def test_queues_count_what_the_member_may_see(client: TestClient, runtime: Any,
                                              keys: dict[str, str]) -> None:
    before = client.get("/api/staff/queues", headers=auth(keys["liaison"])).json()["data"]
    assert [q["queue"] for q in before] == ["mine", "district", "overdue", "rating", "open"]
    assert [q["label"] for q in before] == ["我的", "我的辖区", "已超期", "待评价", "全部在办"]
    counts = {q["queue"]: q["count"] for q in before}
    jiangxia = open_ticket(runtime, "江夏")
    open_ticket(runtime, "洪山")  # not theirs
    after = {q["queue"]: q["count"] for q in
             client.get("/api/staff/queues", headers=auth(keys["liaison"])).json()["data"]}
    assert after["district"] == counts["district"] + 1 and after["mine"] == counts["mine"]
    listed = client.get("/api/staff/tickets", headers=auth(keys["liaison"]),
                        params={"queue": "district", "limit": 200}).json()["data"]
    assert jiangxia.id in {t["ticket_id"] for t in listed}
    assert {t["district"] for t in listed} == {"江夏区"}

    staff = {q["queue"]: q["count"] for q in
             client.get("/api/staff/queues", headers=auth(keys["staff"])).json()["data"]}
    assert set(staff) == {"mine", "triage", "overdue", "rating", "open"}
    triage = open_ticket(runtime, None)
    again = {q["queue"]: q["count"] for q in
             client.get("/api/staff/queues", headers=auth(keys["staff"])).json()["data"]}
    assert again["triage"] == staff["triage"] + 1
    queue = client.get("/api/staff/tickets", headers=auth(keys["staff"]),
                       params={"queue": "triage", "limit": 200}).json()
    assert triage.id in {t["ticket_id"] for t in queue["data"]}
    assert {t["status"] for t in queue["data"]} == {"new"}
    bad = client.get("/api/staff/tickets", headers=auth(keys["staff"]), params={"queue": "all"})
    assert bad.status_code == 422 and "message" in bad.json()


def test_a_reply_reaches_the_enterprise_inbox_history_and_audit_log(
        client: TestClient, runtime: Any, keys: dict[str, str],
        admin_headers: dict[str, str]) -> None:
    ticket = open_ticket(runtime)
    answer = client.post(f"/api/staff/tickets/{ticket.id}/replies", headers=auth(keys["staff"]),
                         json={"text": f"  {REPLY}  "})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["delivery"] == "inbox" and "对话页面" in body["delivery_text"]
    assert body["ticket"]["status"] == "contacted"
    last = body["ticket"]["history"][-1]
    assert (last["action"], last["note"], last["actor"]) == ("reply", REPLY,
                                                             last["actor"])
    assert last["actor"].startswith("控制台坐席-")

    inbox = client.get("/api/notifications",
                       params={"session_id": credential_for(runtime, ticket.session_id)}).json()
    replies = [n for n in inbox["data"] if n["event"] == "reply"]
    assert len(replies) == 1 and REPLY in replies[0]["text"] and ticket.id in replies[0]["text"]

    audit = client.get("/api/admin/audit", headers=admin_headers,
                       params={"kind": "ticket", "limit": 1000}).json()["data"]
    entry = next(e for e in audit if e["subject_id"] == ticket.id and e["action"] == "ticket.reply")
    assert entry["before"]["status"] == "assigned" and entry["after"]["note"] == REPLY


def test_reply_errors_are_polite(client: TestClient, runtime: Any, keys: dict[str, str]) -> None:
    triage = open_ticket(runtime, None)
    conflict = client.post(f"/api/staff/tickets/{triage.id}/replies", headers=auth(keys["staff"]),
                           json={"text": REPLY})
    assert conflict.status_code == 409 and "待分派" in conflict.json()["message"]
    blank = client.post(f"/api/staff/tickets/{triage.id}/replies", headers=auth(keys["staff"]),
                        json={"text": "   "})
    assert blank.status_code == 422 and "回复内容不能为空" in blank.json()["message"]
    control = client.post(f"/api/staff/tickets/{triage.id}/replies",
                          headers=auth(keys["staff"]), json={"text": "您好\x00\x1b"})
    assert control.status_code == 422 and "控制字符" in control.json()["message"]
    long = client.post(f"/api/staff/tickets/{triage.id}/replies", headers=auth(keys["staff"]),
                       json={"text": "长" * 2001})
    assert long.status_code == 422
    missing = client.post("/api/staff/tickets/DXE20260101-000000/replies",
                          headers=auth(keys["staff"]), json={"text": REPLY})
    assert missing.status_code == 404


def test_a_liaison_replies_only_on_their_district(client: TestClient, runtime: Any,
                                                  keys: dict[str, str]) -> None:
    other = open_ticket(runtime, "洪山")
    refused = client.post(f"/api/staff/tickets/{other.id}/replies", headers=auth(keys["liaison"]),
                          json={"text": REPLY})
    assert refused.status_code == 404
    assert runtime.tickets.get(other.id).events[-1].action == "create"  # nothing was written
    own = open_ticket(runtime, "江夏")
    done = client.post(f"/api/staff/tickets/{own.id}/replies", headers=auth(keys["liaison"]),
                       json={"text": REPLY})
    assert done.status_code == 201 and done.json()["ticket"]["history"][-1]["action"] == "reply"


def test_delivery_says_when_the_enterprise_is_not_online(client: TestClient, runtime: Any,
                                                         keys: dict[str, str]) -> None:
    phone = open_ticket(runtime, session_id=f"call:{uuid.uuid4().hex[:8]}", channel="phone")
    answer = client.post(f"/api/staff/tickets/{phone.id}/replies", headers=auth(keys["staff"]),
                         json={"text": REPLY}).json()
    assert answer["delivery"] == "offline" and "电话" in answer["delivery_text"]
    wechat = open_ticket(runtime, session_id="wx:oABCDEFGHIJKLMNOPQRSTUVWXYZ0", channel="wechat")
    answer = client.post(f"/api/staff/tickets/{wechat.id}/replies", headers=auth(keys["staff"]),
                         json={"text": REPLY}).json()
    assert answer["delivery"] == "wechat_unavailable"  # no WeChat channel in the tests


def test_a_signed_in_browser_needs_its_csrf_token_to_reply(runtime: Any) -> None:
    from api.main import create_app

    name = f"控制台登录-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name)
    runtime.logins.set_password(name, PASSWORD)
    ticket = open_ticket(runtime)
    with TestClient(create_app(runtime=runtime)) as browser:
        login = browser.post("/api/auth/login", json={"name": name, "password": PASSWORD})
        assert login.status_code == 200
        url = f"/api/staff/tickets/{ticket.id}/replies"
        assert browser.post(url, json={"text": REPLY}).status_code == 403
        sent = browser.post(url, json={"text": REPLY},
                            headers={CSRF_HEADER: login.json()["csrf_token"]})
        assert sent.status_code == 201
        assert browser.get("/api/staff/queues").status_code == 200  # reads need no token


def test_the_ticket_view_shows_the_chat_before_the_handoff(client: TestClient, runtime: Any,
                                                           keys: dict[str, str]) -> None:
    session_id = f"web:console-conv-{uuid.uuid4().hex[:6]}"
    for text in ("揭榜挂帅怎么报名", "我要转人工", "/affirm"):
        runtime.conversation_log.record(session_id=session_id, channel="web", text=text,
                                        intent=None, outcome="declined", confidence=None,
                                        top_doc_id=None, top_section=None)
    ticket = open_ticket(runtime, session_id=session_id)
    with runtime.sessions.begin() as session:  # a later conversation is not the handoff's
        session.add(ChatTurn(session_id=session_id, channel="web", text="后来又问的问题",
                             intent=None, outcome="answered",
                             created_at=datetime.now(UTC) + timedelta(hours=2)))
    view = client.get(f"/api/staff/tickets/{ticket.id}", headers=auth(keys["staff"])).json()
    assert [t["text"] for t in view["conversation"]] == ["揭榜挂帅怎么报名", "我要转人工"]
    assert view["first_owner"] and view["owner"] == "彭华魁" and view["channel"] == "web"
    hidden = client.get(f"/api/staff/tickets/{ticket.id}", headers=auth(keys["liaison"]))
    assert hidden.status_code == 404


def test_members_lists_accounts_and_the_directory_liaisons(client: TestClient,
                                                           keys: dict[str, str]) -> None:
    people = client.get("/api/staff/members", headers=auth(keys["staff"])).json()["data"]
    names = {p["name"]: p for p in people}
    assert names["彭华魁"] == {"name": "彭华魁", "role": "liaison", "district": "东湖高新区",
                            "account": False}
    liaison = next(p for p in people if p["name"].startswith("控制台江夏-"))
    assert liaison["role"] == "liaison" and liaison["district"] == "江夏区"
    assert not any(p["name"].startswith("控制台编辑-") for p in people)  # editors take no tickets
    assert all(set(p) == {"name", "role", "district", "account"} for p in people)  # no secrets


def test_the_console_page_is_served_under_the_strict_policy(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200 and "热线工作台" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "require-trusted-types-for 'script'" in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
    for name in ("console.js", "console.css", "icon.svg"):
        asset = client.get(f"/console/assets/{name}")
        assert asset.status_code == 200 and "content-security-policy" in asset.headers
    assert "innerHTML" not in client.get("/console/assets/console.js").text
    assert client.get("/console/assets/chat.html").status_code == 404


class FakeWeChat:
    """A channel sender standing in for the WeChat customer-service API."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, session_id: str, text: str) -> bool:
        self.sent.append((session_id, text))
        return True


def test_a_reply_on_a_wechat_ticket_goes_through_the_wechat_sender(
        client: TestClient, runtime: Any, keys: dict[str, str]) -> None:
    sender = FakeWeChat()
    runtime.notifications.register_channel("wechat", sender)
    try:
        openid = f"o{uuid.uuid4().hex[:27]}"
        ticket = open_ticket(runtime, session_id=f"wx:{openid}", channel="wechat")
        sent = client.post(f"/api/staff/tickets/{ticket.id}/replies",
                           headers=auth(keys["staff"]), json={"text": REPLY})
        assert sent.status_code == 201
        runtime.notifications.worker.run_once()  # what the delivery thread does after the commit
        replies = [(who, text) for who, text in sender.sent if REPLY in text]
        assert replies and replies[0][0] == f"wx:{openid}" and ticket.id in replies[0][1]
    finally:
        runtime.notifications.channels.unregister("wechat")
