"""The admin console against the real stack (the app and a real `rasa run`): 试一试 decides
as /api/chat does, through Rasa; and an admin uses the page in Chromium at a desktop size."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from api.dialogue.trace import HANDOFF_INTENTS
from hotline.security.accounts import create_staff
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTIONS = ["高新技术企业认定需要哪些条件？", "光谷的企业找谁？",
             "请问明天武汉的天气怎么样，会下雨吗？", "我要转人工"]
CHARTS = ["conversations", "rates", "votes", "ratings", "districts", "deadlines"]


@pytest.mark.parametrize("text", QUESTIONS)
def test_try_agrees_with_the_chat_through_rasa(web_stack: Stack, runtime: Any,
                                               admin_headers: dict[str, str], text: str) -> None:
    session = f"web:try-{uuid.uuid4().hex[:8]}"
    chat = web_stack.chat(session, text)
    recorded = runtime.conversation_log.recent(session)[-1]
    response = web_stack.http.post("/api/admin/try", json={"text": text}, headers=admin_headers)
    assert response.status_code == 200, response.text
    trace = response.json()
    decision = trace["decision"]

    assert trace["nlu"]["available"] is True and decision["degraded"] is False
    assert trace["nlu"]["intent"] and 0 <= trace["nlu"]["confidence"] <= 1
    assert decision["intent"] == chat["intent"] == recorded.intent
    outcome = recorded.outcome
    if outcome == "dialogue" and recorded.intent in HANDOFF_INTENTS:
        outcome = "handoff"  # the handoff form's first question carries no outcome of its own
    assert decision["outcome"] == outcome
    assert decision["replies"] == [reply["text"] for reply in chat["replies"]]
    confidence = chat["answer"]["confidence"] if chat["answer"] else None
    assert decision["confidence"] == confidence
    if outcome in ("answered", "declined", "referred"):  # the knowledge base decided
        assert trace["retrieval"]["reason"] in decision["why"]
        assert (trace["retrieval"]["confidence"] >= trace["retrieval"]["threshold"]) == \
            (outcome == "answered")
    if outcome == "answered":
        assert trace["retrieval"]["confidence"] == confidence


def test_an_admin_signs_in_reads_the_dashboard_tries_a_question_and_adds_a_liaison(  # type: ignore[no-untyped-def]
        desktop, web_stack: Stack, runtime: Any, artifacts: Path) -> None:
    name, password = f"管理员-{uuid.uuid4().hex[:6]}", "东湖之滨-光谷创新-2026"
    create_staff(runtime.sessions, name, role="admin")
    runtime.logins.set_password(name, password, actor="测试")
    web_stack.chat(f"web:admin-{uuid.uuid4().hex[:8]}", QUESTIONS[0])  # something to count
    page = desktop
    recorder = page.recorder
    try:
        page.goto("/admin")
        expect(page.locator("#login-view")).to_be_visible()
        page.locator("#login-name").fill(name)
        page.locator("#login-password").fill(password)
        page.get_by_role("button", name="登录").click()

        expect(page.locator("#who-name")).to_contain_text(name)
        expect(page.locator("#tab-dashboard")).to_be_visible()
        for chart in CHARTS:
            expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
        expect(page.locator("#summary .metric")).to_have_count(10)
        conversations = page.locator("#summary .metric", has_text="会话数").locator(".value")
        expect(conversations).not_to_have_text("0")
        expect(page.locator("#range-note")).to_contain_text("北京时间")
        csv_link = page.locator("[data-table='overdue'] a.csv")
        expect(csv_link).to_have_attribute(
            "href", re.compile(r"^/api/admin/dashboard/overdue\.csv\?from=20\d\d-\d\d-\d\d&to="))
        exported = page.request.get(str(csv_link.get_attribute("href")))  # the session cookie
        assert exported.ok and exported.text().lstrip("\ufeff").startswith("工单号,")
        assert page.evaluate("typeof window.echarts.init") == "function"
        page.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)

        page.get_by_role("button", name="试一试").first.click()
        page.locator("#try-text").fill("高新技术企业认定需要哪些条件？")
        page.locator("#try-send").click()
        decision = page.locator("#try-result .decision")
        expect(decision).to_have_attribute("data-outcome", "answered", timeout=30_000)
        expect(decision.locator(".outcome")).to_have_text("作答")
        expect(page.locator("#try-result .nlu")).to_contain_text("意图：")
        expect(page.locator("#try-result .retrieval table tbody tr")).to_have_count(5)
        expect(page.locator("#try-result .retrieval")).to_contain_text("阈值")
        page.screenshot(path=str(artifacts / "admin-try.png"), full_page=True)

        page.get_by_role("button", name="账号").click()
        liaison = f"光谷联络员-{uuid.uuid4().hex[:6]}"
        page.locator("#account-name").fill(liaison)
        page.locator("#account-role").select_option("liaison")
        page.locator("#account-district").fill("光谷")
        page.get_by_role("button", name="创建账号").click()
        expect(page.locator("#account-key-value")).to_have_text(re.compile(r"^dxe_[A-Za-z0-9_-]{20,}$"))
        row = page.locator("#accounts-table tr", has_text=liaison)
        expect(row).to_contain_text("东湖高新区")
        expect(row).to_contain_text("区联络员")
        page.screenshot(path=str(artifacts / "admin-accounts.png"), full_page=True)

        page.get_by_role("button", name="审计日志").click()
        expect(page.locator("#audit-table tbody tr").first).to_contain_text(name)
    finally:
        errors = list(recorder.errors)
        foreign = recorder.foreign(web_stack.app_url)
        scripts = [url for url in recorder.requests if "echarts" in url]
        # the page's Trusted Types policy lets only the empty string into an HTML sink
        sink = page.evaluate("""() => { const node = document.createElement('div');
            try { node.innerHTML = '<img src=x>'; return 'allowed'; } catch { return 'blocked'; } }""")
    assert sink == "blocked"
    assert not errors, errors
    assert not foreign, foreign
    assert scripts and all(url.startswith(web_stack.app_url + "/admin/assets/") for url in scripts)
