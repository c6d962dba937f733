"""The admin console's API and page: the dashboard, its CSV tables, 试一试 (direct mode here;
tests/web/test_admin_console.py checks it against Rasa), and the page's assets."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.dialogue.chat import ChatService
from api.dialogue.rasa_client import RasaClient
from api.dialogue.trace import NLU_DOWN, decision_trace
from api.supervisor import free_port
from api.web.admin import ECHARTS_SHA256, VENDOR_DIR
from hotline.conversations.models import ChatTurn
from hotline.security.accounts import create_staff
from hotline.tickets.models import Ticket
from hotline.tickets.service import NewTicket
from tests.paths import PROJECT_ROOT
from tests.sessions import new_session

POLICY_QUESTION = "高新技术企业认定需要哪些条件？"
ROUTES = [("GET", "/api/admin/dashboard", None), ("GET", "/api/admin/dashboard/overdue.csv", None),
          ("POST", "/api/admin/try", {"text": POLICY_QUESTION})]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def account(runtime: Any, role: str) -> dict[str, str]:
    _member, key = create_staff(runtime.sessions, f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                district="江夏区" if role == "liaison" else None)
    return bearer(key)


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_routes_need_a_sign_in(client: TestClient, method: str, path: str, body: Any) -> None:
    assert client.request(method, path, json=body).status_code == 401


@pytest.mark.parametrize("role,allowed", [("staff", set()), ("liaison", set()),
                                          ("editor", {"/api/admin/try"})])
def test_only_admins_see_the_dashboard_and_editors_may_try(
        client: TestClient, runtime: Any, role: str, allowed: set[str]) -> None:
    headers = account(runtime, role)
    for method, path, body in ROUTES:
        status = client.request(method, path, json=body, headers=headers).status_code
        assert status == (200 if path in allowed else 403), (role, path, status)


def test_admins_reach_every_route(client: TestClient, admin_headers: dict[str, str]) -> None:
    for method, path, body in ROUTES:
        assert client.request(method, path, json=body, headers=admin_headers).status_code == 200


def test_the_dashboard_counts_what_happened_and_refuses_bad_periods(
        client: TestClient, runtime: Any, admin_headers: dict[str, str]) -> None:
    def summary() -> dict[str, Any]:
        board = client.get("/api/admin/dashboard", headers=admin_headers)
        assert board.status_code == 200
        assert set(board.json()["tables"]) == {"conversations", "rates", "votes", "ratings",
                                               "districts", "deadlines", "overdue"}
        return board.json()["summary"]  # type: ignore[no-any-return]

    before = summary()
    session = new_session(client)
    assert client.post("/api/chat", json={"session_id": session,
                                          "text": POLICY_QUESTION}).status_code == 200
    after = summary()
    assert after["messages"] == before["messages"] + 1
    assert after["conversations"] == before["conversations"] + 1

    for params in ({"from": "2025-10-02", "to": "2025-10-01"},
                   {"from": "2020-01-01", "to": "2025-01-01"}, {"from": "1900-01-01"},
                   {"to": "not-a-day"}):
        response = client.get("/api/admin/dashboard", params=params, headers=admin_headers)
        assert response.status_code == 422, params
        assert response.json()["message"]
    assert client.get("/api/admin/dashboard/secrets.csv",
                      headers=admin_headers).status_code == 422


def test_csv_tables_never_start_a_formula(client: TestClient, runtime: Any,
                                          admin_headers: dict[str, str]) -> None:
    question = f"=HYPERLINK(\"http://evil.example\",\"点我\")-{uuid.uuid4().hex[:6]}"
    ticket = runtime.tickets.open(NewTicket(session_id="web:csv", channel="web",
                                            question=question, company=None,
                                            phone=None, district="江夏区"))
    past = datetime.now(UTC) - timedelta(days=10)
    with runtime.sessions.begin() as db:  # overdue for ten days
        db.execute(update(Ticket).where(Ticket.id == ticket.id).values(
            contact_due_at=past, due_at=past))
    response = client.get("/api/admin/dashboard/overdue.csv", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    mine = next(row for row in rows if row["工单号"] == ticket.id)
    assert mine["问题"] == "'" + question and mine["区"] == "江夏区"
    assert int(mine["超期小时"]) >= 239
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_try_shows_the_decision_the_chat_makes_and_records_nothing(
        client: TestClient, runtime: Any, admin_headers: dict[str, str]) -> None:
    def turns() -> int:
        with runtime.sessions() as db:
            return int(db.scalar(select(func.count()).select_from(ChatTurn)))

    before = turns()
    trace = client.post("/api/admin/try", json={"text": POLICY_QUESTION},
                        headers=admin_headers).json()
    assert turns() == before  # 试一试 is not a conversation
    chat = client.post("/api/chat", json={"session_id": new_session(client),
                                          "text": POLICY_QUESTION}).json()
    decision, retrieval = trace["decision"], trace["retrieval"]
    # direct mode unless the session's Rasa stack is up; NLU is there exactly when Rasa is
    assert trace["nlu"]["available"] is not decision["degraded"]
    assert decision["outcome"] == "answered"
    assert decision["intent"] == chat["intent"]
    assert decision["confidence"] == chat["answer"]["confidence"] == retrieval["confidence"]
    assert decision["citations"][0]["doc_id"] == chat["answer"]["citations"][0]["doc_id"]
    assert retrieval["confidence"] >= retrieval["threshold"]
    assert "≥" in retrieval["reason"] and retrieval["reason"] in decision["why"]
    top = retrieval["candidates"][0]
    assert top["rank"] == 1 and top["dense_rank"] >= 1 and top["fused"] >= \
        retrieval["candidates"][1]["fused"]
    assert [c["rank"] for c in retrieval["candidates"]] == list(range(1, 6))


def test_try_declines_what_the_chat_declines(client: TestClient,
                                             admin_headers: dict[str, str]) -> None:
    text = "请问明天武汉的天气怎么样，会下雨吗？"
    trace = client.post("/api/admin/try", json={"text": text}, headers=admin_headers).json()
    chat = client.post("/api/chat", json={"session_id": new_session(client), "text": text}).json()
    assert chat["answer"] is None
    assert trace["decision"]["outcome"] in ("declined", "referred")
    assert trace["retrieval"]["confidence"] < trace["retrieval"]["threshold"]
    assert [r["text"] for r in chat["replies"]] == trace["decision"]["replies"]


def test_try_refuses_bad_text(client: TestClient, admin_headers: dict[str, str]) -> None:
    for body in ({"text": ""}, {"text": "   "}, {"text": "x" * 1001}, {"text": "a\u0000b"}, {}):
        response = client.post("/api/admin/try", json=body, headers=admin_headers)
        assert response.status_code == 422, body
        assert response.json()["message"]


def test_the_page_and_its_assets_come_from_this_origin(client: TestClient) -> None:
    page = client.get("/admin")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "require-trusted-types-for 'script'" in policy
    assert "trusted-types default" in policy  # the one policy admin.js creates, for "" only
    assert "<script>" not in page.text and "style=" not in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert all(s.startswith("/") for s in sources), sources
    for name in ("admin.js", "admin.css", "echarts.min.js"):
        assert f"/admin/assets/{name}?v=" in page.text
        asset = client.get(f"/admin/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["x-content-type-options"] == "nosniff"
    echarts = client.get("/admin/assets/echarts.min.js")
    assert hashlib.sha256(echarts.content).hexdigest() == ECHARTS_SHA256
    assert client.get("/admin/assets/chat.html").status_code == 404
    assert client.get("/admin/assets/..%2Fadmin.py").status_code == 404
    js = client.get("/admin/assets/admin.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js


def test_the_makefile_pins_the_echarts_the_app_serves() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^ECHARTS_SHA256\s*:=\s*(\w+)", makefile, re.M)
    assert pinned is not None and pinned.group(1) == ECHARTS_SHA256
    assert (VENDOR_DIR / "echarts.min.js").exists(), "run `make vendor`"
    assert re.search(r"^setup:.*\bvendor\b", makefile, re.M)


def test_with_rasa_down_the_trace_says_nlu_is_unavailable_and_still_shows_retrieval(
        runtime: Any) -> None:
    down = RasaClient(f"http://127.0.0.1:{free_port()}", "s" * 32, timeout=2.0)  # nobody there

    async def trace() -> dict[str, Any]:
        try:
            return await decision_trace(ChatService(runtime, down), runtime, down,
                                        POLICY_QUESTION)
        finally:
            await down.close()

    result = asyncio.run(trace())
    assert result["nlu"] == {"available": False, "message": NLU_DOWN}
    assert result["decision"]["degraded"] is True and result["decision"]["outcome"] == "answered"
    assert result["retrieval"]["available"] is True
    assert result["retrieval"]["confidence"] == result["decision"]["confidence"]
