"""The chat page in a real browser (Debian's Chromium, phone viewport) against the real stack:
the app, a real `rasa run`, the real index and database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration]

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>粗体</b>'


def open_chat(page: Page, path: str = "/chat") -> None:
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("data-ready", "1")


def ask(page: Page, text: str) -> None:
    """Type a message, press Enter, wait until the answer has been rendered."""
    users = page.locator("#log .row.user").count()
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    expect(page.locator("#log .row.user")).to_have_count(users + 1)
    expect(page.locator("html")).to_have_attribute("data-busy", "0", timeout=30_000)


def tap(page: Page, title: str) -> None:
    """Tap a quick reply of the latest bot message and wait for the answer."""
    page.locator("#log .quick-replies .reply-btn", has_text=title).last.click()
    expect(page.locator("#log .row.user").last).to_have_text(f"我说：{title}")
    expect(page.locator("html")).to_have_attribute("data-busy", "0", timeout=30_000)


def last_bot_text(page: Page) -> str:
    return page.locator("#log .row.bot .bubble").last.inner_text()


def test_policy_question_shows_its_clause_as_a_source_card(phone: Page, artifacts: Path) -> None:
    open_chat(phone)
    expect(phone.locator("#log .row.bot .bubble").first).to_contain_text("店小二")
    ask(phone, "高企 网上能办不")
    card = phone.locator("#log .source").first
    expect(card).to_contain_text("武科函〔2021〕10号")
    expect(card.locator(".source-section")).to_have_text(re.compile(r"^（八）"))
    clause = card.locator(".source-text")
    expect(clause).to_be_hidden()  # collapsed until tapped
    card.locator("summary").click()
    expect(clause).to_be_visible()
    assert len(clause.inner_text()) > 20
    card.scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "chat-answer.png"))

    phone.get_by_role("button", name="有帮助").last.click()
    expect(phone.locator("#log .votes").last).to_contain_text("感谢反馈")


def test_a_decline_offers_choices_and_a_tap_answers_one(phone: Page, artifacts: Path) -> None:
    """猜你想问: not sure enough to answer, the assistant offers the closest piece; tapping it
    answers with its source (assistant/clarify.py)."""
    open_chat(phone)
    ask(phone, "我们想搞个孵化的地方")
    assert "您问的是不是" in last_bot_text(phone)
    choice = phone.locator("#log .quick-replies .reply-btn", has_text="孵化器").last
    expect(choice).to_be_visible()
    title = choice.inner_text()
    phone.screenshot(path=str(artifacts / "chat-choices.png"))
    tap(phone, title)
    expect(phone.locator("#log .row.bot").last.locator(".source")).to_have_count(1)
    assert "您问的是不是" not in last_bot_text(phone)


def test_typing_indicator_shows_while_waiting(phone: Page) -> None:
    open_chat(phone)
    held: list[Route] = []
    phone.route("**/api/chat", lambda route: held.append(route))
    phone.locator("#input").fill("你好")
    phone.locator("#input").press("Enter")
    expect(phone.locator("#typing")).to_be_visible()
    expect(phone.locator("#send")).to_be_disabled()
    for _ in range(100):  # the first message asks for a session credential first
        if held:
            break
        phone.wait_for_timeout(50)
    assert held, "the chat request was not made"
    held[0].continue_()
    expect(phone.locator("#typing")).to_be_hidden(timeout=30_000)
    expect(phone.locator("#log .row.bot")).to_have_count(2)


def test_handoff_ends_in_a_ticket_card_that_can_be_rated(phone: Page, runtime,  # type: ignore[no-untyped-def]
                                                         artifacts: Path) -> None:
    open_chat(phone)
    ask(phone, "我要转人工")
    expect(phone.locator("#log .quick-replies .reply-btn")).to_have_count(14)
    ask(phone, "光谷")
    expect(phone.locator("#log .quick-replies")).to_have_count(0)  # gone once answered
    assert "公司" in last_bot_text(phone)
    ask(phone, "武汉星河科技有限公司，电话13912345678")
    assert "东湖高新区" in last_bot_text(phone) and "13912345678" in last_bot_text(phone)
    tap(phone, "确认提交")

    card = phone.locator("#log .ticket").last
    expect(card).to_contain_text("东湖高新区")
    expect(card).to_contain_text("彭华魁")
    expect(card.locator(".badge")).to_have_text("已分派，待联系")
    # the card's deadline is the one the reply promised, in Beijing time (not UTC)
    promised = re.search(r"(\d{2})月(\d{2})日 (\d{2}:\d{2}) 前", last_bot_text(phone))
    assert promised, last_bot_text(phone)
    expect(card).to_contain_text(f"-{promised[1]}-{promised[2]} {promised[3]}")
    expect(card.get_by_role("button", name="评价")).to_have_count(0)  # not resolved yet
    card.scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "chat-ticket.png"))
    ticket_id = card.locator(".ticket-id").inner_text().removeprefix("工单 ").strip()

    # staff resolve it; the enterprise refreshes the card and rates the ticket
    runtime.tickets.act(ticket_id, "resolve", "测试员", resolution="已电话答复企业")
    card.get_by_role("button", name="刷新进度").click()
    resolved = phone.locator("#log .ticket", has_text=ticket_id).last
    expect(resolved.locator(".badge")).to_have_text("已办结，待评价")
    resolved.get_by_role("button", name="评价").click()
    widget = phone.locator("#log .rating").last
    expect(widget).to_contain_text(f"请为工单 {ticket_id}评价")
    widget.get_by_role("button", name="满意", exact=True).click()
    expect(widget.get_by_role("button", name="满意", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    widget.get_by_label("意见建议（选填）").fill("回复很及时")
    widget.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#log .rating").last).to_contain_text("收到您的评价：满意")
    phone.screenshot(path=str(artifacts / "chat-rated.png"))

    phone.get_by_role("button", name="我的工单").click()
    latest = phone.locator("#log .ticket", has_text=ticket_id).last
    expect(latest.locator(".badge")).to_have_text("已评价")


def test_the_conversation_can_be_rated_once(phone: Page) -> None:
    open_chat(phone)
    ask(phone, "光谷的企业找谁？")
    for expected in ("收到您的评价：非常满意", "已经评价过"):
        phone.get_by_role("button", name="评价服务").click()
        widget = phone.locator("#log .rating").last
        widget.get_by_role("button", name="非常满意").click()
        widget.get_by_role("button", name="提交评价").click()
        expect(phone.locator("#log .rating").last).to_contain_text(expected)


def test_markup_typed_by_the_user_stays_text(phone: Page) -> None:
    open_chat(phone)
    ask(phone, XSS)
    bubble = phone.locator("#log .row.user .bubble").last
    expect(bubble).to_have_text(f"我说：{XSS}")
    assert phone.locator("#log img, #log script, #log b").count() == 0
    assert phone.evaluate("() => window.__xss") is None
    phone.reload()
    expect(phone.locator("#log .row.user .bubble").last).to_have_text(f"我说：{XSS}")
    assert phone.locator("#log img, #log script, #log b").count() == 0
    assert phone.evaluate("() => window.__xss") is None


def test_markup_from_the_server_stays_text(phone: Page) -> None:
    """Every field the page shows, filled with markup: nothing becomes an element."""
    evil = {"session_id": "x", "intent": "ask_policy", "degraded": False, "turn_id": 1,
            "replies": [{"text": XSS, "buttons": [{"title": XSS, "payload": "/affirm"}]}],
            "answer": {"confidence": 0.9, "citations": [
                {"doc_id": XSS, "title": XSS, "doc_number": XSS, "section": XSS,
                 "snippet": XSS, "score": 0.9}]},
            "handoff": {"ticket_id": XSS, "district": XSS, "leader": XSS, "department": XSS,
                        "contact": XSS, "status": XSS, "due_at": XSS},
            "tickets": [{"ticket_id": "T1", "status": "resolved", "status_label": XSS,
                         "question": XSS, "district": XSS, "owner": XSS, "due_at": XSS,
                         "overdue": True}],
            "rating": {"ticket_id": XSS, "levels": [{"value": 4, "label": XSS}]}}
    open_chat(phone)
    phone.route("**/api/chat", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(evil)))
    ask(phone, "你好")
    expect(phone.locator("#log .row.bot .bubble").last).to_have_text(f"店小二说：{XSS}")
    expect(phone.locator("#log .source-title")).to_have_text(XSS)
    expect(phone.locator("#log .ticket .badge").first).to_have_text(XSS)
    expect(phone.locator("#log .rating legend")).to_contain_text(XSS)
    assert phone.locator("#log img, #log script, #log b").count() == 0
    assert phone.evaluate("() => window.__xss") is None


def test_reload_keeps_the_transcript_and_new_chat_starts_afresh(phone: Page) -> None:
    open_chat(phone)
    ask(phone, "光谷的企业找谁？")
    assert "彭华魁" in phone.locator("#log").inner_text()
    before = phone.locator("#log .bubble").all_inner_texts()
    session = phone.evaluate("() => JSON.parse(localStorage.getItem('dxe.chat.v1.web')).sessionId")
    phone.reload()
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")
    assert phone.locator("#log .bubble").all_inner_texts() == before
    ask(phone, "那他们的领导是谁")  # same session on the server after the reload
    assert phone.evaluate(
        "() => JSON.parse(localStorage.getItem('dxe.chat.v1.web')).sessionId") == session

    new_chat = phone.get_by_role("button", name="新对话")
    new_chat.click()
    expect(phone.get_by_role("button", name="确认新对话？")).to_be_visible()  # asks once
    phone.get_by_role("button", name="确认新对话？").click()
    expect(phone.locator("#log .bubble")).to_have_count(1)  # the welcome only
    assert phone.evaluate(
        "() => JSON.parse(localStorage.getItem('dxe.chat.v1.web')).sessionId") != session


def test_embed_mode_hides_the_header_and_stays_on_its_origin(phone: Page, web_stack: Stack,
                                                              artifacts: Path) -> None:
    bodies: list[dict] = []  # type: ignore[type-arg]
    phone.on("request", lambda r: bodies.append(json.loads(r.post_data or "{}"))
             if r.url.endswith("/api/chat") else None)
    open_chat(phone, "/chat?embed=1")
    expect(phone.locator("header.top")).to_be_hidden()
    expect(phone.get_by_role("button", name="转人工")).to_be_visible()
    ask(phone, "高企 网上能办不")
    expect(phone.locator("#log .source").first).to_contain_text("武科函〔2021〕10号")
    assert bodies and all(body["channel"] == "ehuiban" for body in bodies)
    assert phone.evaluate("() => localStorage.getItem('dxe.chat.v1.ehuiban') !== null")
    phone.screenshot(path=str(artifacts / "chat-embed.png"))
    requests = phone.recorder.requests
    assert any(url.endswith("/api/chat") for url in requests)
    assert phone.recorder.foreign(web_stack.app_url) == [], requests


def test_the_page_never_takes_its_session_from_the_url(phone: Page, runtime) -> None:  # type: ignore[no-untyped-def]
    """A link cannot hand someone else's conversation to the page: the credential comes from
    the server (POST /api/sessions) only."""
    stored = "() => JSON.parse(localStorage.getItem('dxe.chat.v1.ehuiban')).sessionId"
    victim = runtime.session_issuer.issue("eh:u42:0123456789abcdef01234567").credential
    open_chat(phone, f"/chat?embed=1&session_id={victim}")
    ask(phone, "你好")
    own = phone.evaluate(stored)
    assert own != victim and own.startswith("eh-anon:")
    assert runtime.session_issuer.verify(own).channel == "ehuiban"


def test_a_stale_credential_is_replaced_without_losing_the_message(phone: Page) -> None:
    open_chat(phone)
    phone.evaluate("""() => localStorage.setItem('dxe.chat.v1.web', JSON.stringify(
        {sessionId: 'web:forged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', entries: []}))""")
    open_chat(phone)
    ask(phone, "光谷的企业找谁？")
    assert "彭华魁" in last_bot_text(phone)  # 401 → a fresh credential → the same message again
    fresh = phone.evaluate("() => JSON.parse(localStorage.getItem('dxe.chat.v1.web')).sessionId")
    assert fresh.startswith("web:") and "forged" not in fresh


def test_a_ticket_from_another_device_is_shown_after_number_and_phone(
        phone: Page, runtime, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from hotline.tickets.service import NewTicket

    ticket = runtime.tickets.open(NewTicket(  # e.g. taken by hotline staff on the phone
        session_id="call:browser-claim", channel="phone", question="孵化器认定材料咨询",
        company="武汉星河科技有限公司", phone="13912340077", district="江夏"))
    open_chat(phone)
    phone.get_by_role("button", name="我的工单").click()
    form = phone.locator("#log form.claim").last
    form.get_by_label("工单编号").fill(ticket.id)
    form.get_by_label("联系电话").fill("13912340000")  # wrong phone
    form.get_by_role("button", name="查看").click()
    expect(form.locator(".claim-status")).to_contain_text("没有找到")
    form.get_by_label("联系电话").fill("139 1234 0077")
    form.get_by_role("button", name="查看").click()
    expect(phone.locator("#log .claim-done").last).to_contain_text(ticket.id)
    phone.screenshot(path=str(artifacts / "chat-claim.png"))
    expect(phone.locator("#log .ticket", has_text=ticket.id).last).to_contain_text("孵化器认定")
    phone.get_by_role("button", name="我的工单").click()  # now listed with this session's own
    expect(phone.locator("#log .ticket", has_text=ticket.id).last).to_be_visible()


def test_embed_with_a_signed_ehuiban_token_gets_a_session_bound_to_the_user(
        phone: Page, runtime) -> None:  # type: ignore[no-untyped-def]
    import time

    from api.channels.ehuiban import sign

    secret = "ehuiban-browser-test-secret"
    previous = runtime.settings
    runtime.settings = previous.model_copy(update={"EHUIBAN_SECRET": secret})
    try:
        ts = int(time.time())
        stored = "() => JSON.parse(localStorage.getItem('dxe.chat.v1.ehuiban')).sessionId"
        open_chat(phone, f"/chat?embed=1&eh_user=u10086&eh_ts={ts}&eh_sig={sign(secret, 'u10086', ts)}")
        assert phone.evaluate(stored).startswith("eh:u10086:")
        assert "eh_sig" not in phone.url  # the signed token leaves the address bar
        forged = sign("not-the-secret", "u10087", ts)
        open_chat(phone, f"/chat?embed=1&eh_user=u10087&eh_ts={ts}&eh_sig={forged}")
        assert phone.evaluate(stored).startswith("eh:u10086:")  # refused: kept the old one
    finally:
        runtime.settings = previous


def test_touch_targets_labels_and_keyboard(phone: Page) -> None:
    open_chat(phone)
    ask(phone, "我要转人工")  # 14 district buttons
    phone.get_by_role("button", name="评价服务").click()
    small = phone.evaluate("""() => [...document.querySelectorAll(
            'button, summary, textarea, a, [tabindex]')]
        .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
                       && !e.classList.contains('skip-link') && e.id !== 'log')
        .map((e) => [e.textContent.trim() || e.id, e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44)
        .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []
    expect(phone.get_by_label("输入您的问题")).to_be_visible()
    expect(phone.get_by_role("log", name="对话记录")).to_be_visible()

    # keyboard only, from a fresh load: the skip link comes first and jumps to the input
    phone.reload()
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")
    phone.keyboard.press("Tab")
    expect(phone.locator(".skip-link")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator("#input")).to_be_focused()
    phone.keyboard.type("先不用了")
    phone.keyboard.press("Enter")
    expect(phone.locator("#log .row.user").last).to_have_text("我说：先不用了")
    expect(phone.locator("html")).to_have_attribute("data-busy", "0", timeout=30_000)
    phone.keyboard.press("Tab")
    expect(phone.locator("#send")).to_be_focused()
