"""The staff console in a real browser (Debian's Chromium, desktop size) against the real
stack, beside the enterprise's H5 chat page: the enterprise asks for a person in the chat,
a staff member signs in to /console, sees the new ticket arrive, answers with an edited
suggestion, and the enterprise's page shows the reply without a reload."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.security.accounts import create_staff
from tests.stack import Stack
from tests.web.test_browser import ask, open_chat, tap

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PASSWORD = "东湖绿道-樱花盛开-2026"
EDIT = "如还有疑问，可拨打热线再联系我们。"


@pytest.fixture()
def staff_name(runtime: Any) -> str:
    name = f"坐席-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name)
    runtime.logins.set_password(name, PASSWORD)
    return name


def sign_in(page: Page, name: str) -> None:
    page.goto("/console")
    expect(page.locator("html")).to_have_attribute("data-ready", "1")
    page.get_by_label("用户名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill("wrong password, twice wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#login-status")).to_contain_text("用户名或密码不对")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#who-name")).to_contain_text(name)


def test_staff_answer_a_handed_over_question_and_the_enterprise_sees_it_live(
        desktop: Page, phone: Page, staff_name: str, web_stack: Stack, runtime: Any,
        artifacts: Path) -> None:
    # the enterprise's chat page is open first; the staff member signs in to the console
    open_chat(phone)
    sign_in(desktop, staff_name)
    assert "csrf" not in desktop.url
    desktop.locator(".tab[data-queue='open']").click()
    expect(desktop.locator(".tab[data-queue='open']")).to_have_attribute("aria-pressed", "true")

    # the enterprise asks a question, then for a person, and leaves company and phone
    ask(phone, "高企认定网上能办吗？")
    ask(phone, "我要转人工")
    ask(phone, "光谷")
    ask(phone, "武汉星河科技有限公司，电话13912345678")
    tap(phone, "确认提交")
    card = phone.locator("#log .ticket").last
    ticket_id = card.locator(".ticket-id").inner_text().removeprefix("工单 ").strip()
    assert re.fullmatch(r"DXE\d{8}-[0-9A-F]{6}", ticket_id)
    bubbles = phone.locator("#log .row.bot .bubble").count()

    # the new ticket appears in the console's queue without a reload
    item = desktop.locator(f".ticket-item[data-ticket='{ticket_id}']")
    expect(item).to_be_visible(timeout=20_000)
    expect(item).to_contain_text("武汉星河科技有限公司")
    item.click()
    expect(desktop.locator("#t-title")).to_have_text(f"工单 {ticket_id}")
    facts = desktop.locator("#t-facts")
    for shown in ("13912345678", "东湖高新区", "网页", "店小二热线", "彭华魁"):
        expect(facts).to_contain_text(shown)
    expect(desktop.locator("#t-question")).to_contain_text("高企认定")
    expect(desktop.locator("#t-conversation")).to_contain_text("高企认定网上能办吗")
    expect(desktop.locator("#t-history")).to_contain_text("创建")

    # 接单: the liaison's ticket becomes the staff member's own
    desktop.locator("#t-actions").get_by_role("button", name="接单").click()
    expect(desktop.locator("#action-status")).to_contain_text("已转派")
    expect(facts).to_contain_text(staff_name)
    expect(desktop.locator("#t-history .event").first).to_contain_text(f"彭华魁 → {staff_name}")
    expect(desktop.locator("#t-actions").get_by_role("button", name="接单")).to_have_count(0)
    expect(desktop.locator(".tab[data-queue='mine'] .count")).to_have_text("1", timeout=20_000)

    # suggested answers for the enterprise's question, with their citations
    suggestion = desktop.locator("#suggestions .suggestion").first
    expect(suggestion.locator(".citation-title")).not_to_be_empty()
    expect(suggestion.locator(".confidence")).to_contain_text("置信度")
    desktop.screenshot(path=str(artifacts / "console-ticket.png"), full_page=True)
    suggested = suggestion.locator(".suggestion-text").inner_text().strip()
    assert len(suggested) > 10
    suggestion.get_by_role("button", name="插入回复").click()
    reply = desktop.locator("#reply-text")
    expect(reply).to_have_value(re.compile(re.escape(suggested[:20])))
    reply.press("End")
    reply.type(EDIT)
    sent_text = reply.input_value()
    assert sent_text.endswith(EDIT)
    desktop.get_by_role("button", name="发送回复").click()
    expect(desktop.locator("#reply-status")).to_contain_text("已发送到企业的对话页面")
    expect(reply).to_have_value("")
    expect(desktop.locator("#t-status")).to_have_text("已联系，办理中")
    expect(desktop.locator("#t-history .event").first).to_contain_text("回复企业")

    # the enterprise's page, never reloaded, shows the reply as a bot bubble
    inbox = phone.locator("#log .row.inbox .bubble").last
    expect(inbox).to_contain_text(EDIT, timeout=20_000)
    expect(inbox).to_contain_text(suggested[:20])
    assert phone.locator("#log .row.bot .bubble").count() == bubbles + 1
    phone.screenshot(path=str(artifacts / "chat-staff-reply.png"))

    # the staff member resolves the ticket; a resolution is required
    desktop.locator("#t-actions").get_by_role("button", name="办结").click()
    dialog = desktop.locator("#dlg-resolve")
    expect(dialog).to_be_visible()
    dialog.get_by_label("办理结果").fill("已在线答复企业高企认定的网上办理方式")
    dialog.get_by_role("button", name="办结").click()
    expect(dialog).to_be_hidden()
    expect(desktop.locator("#t-status")).to_have_text("已办结，待评价")
    expect(desktop.locator("#t-actions").get_by_role("button", name="办结")).to_have_count(0)
    expect(desktop.locator("#reply-send")).to_be_disabled()
    desktop.locator(".tab[data-queue='rating']").click()
    expect(desktop.locator(f".ticket-item[data-ticket='{ticket_id}']")).to_be_visible()
    desktop.screenshot(path=str(artifacts / "console-queue.png"), full_page=True)
    expect(phone.locator("#log .row.inbox .bubble").last).to_contain_text("已办结", timeout=20_000)
    assert runtime.tickets.get(ticket_id).status == "resolved"

    # the reply is in the ticket's history as the staff member sent it
    events = [(e.action, e.actor, e.note) for e in runtime.tickets.get(ticket_id).events]
    assert ("reply", staff_name, sent_text.strip()) in events
    requests = desktop.recorder.requests  # type: ignore[attr-defined]
    assert desktop.recorder.foreign(web_stack.app_url) == [], requests  # type: ignore[attr-defined]

    # a ticket taken on the phone: no chat behind it, 首问 is the staff member
    desktop.get_by_role("button", name="新建电话工单").click()
    form = desktop.locator("#dlg-new")
    form.get_by_label("企业的问题").fill("研发费用后补助什么时候到账")
    form.get_by_label("企业名称").fill("武汉云帆智能有限公司")
    form.get_by_label("联系电话").fill("13712345678")
    form.get_by_label("所在区（可不填，由热线分派）").fill("江夏")
    form.get_by_role("button", name="创建").click()
    expect(form).to_be_hidden()
    expect(desktop.locator("#t-question")).to_have_text("研发费用后补助什么时候到账")
    expect(facts.locator(".fact", has_text="所在区")).to_contain_text("江夏区")
    expect(facts.locator(".fact", has_text="渠道")).to_contain_text("电话")
    expect(facts.locator(".fact", has_text="首问负责人")).to_contain_text(staff_name)
    expect(desktop.locator("#t-conversation")).to_contain_text("没有线上对话")

    # 转派 needs a reason; the colleague can be picked from the directory's liaisons
    desktop.locator("#t-actions").get_by_role("button", name="转派").click()
    transfer = desktop.locator("#dlg-transfer")
    assert desktop.locator("#members option[value='彭华魁']").count() == 1
    transfer.get_by_label("转给").fill("彭华魁")
    transfer.get_by_role("button", name="转派").click()
    expect(transfer).to_be_visible()  # the reason is required: nothing was sent
    transfer.get_by_label("转派原因").fill("企业注册地在东湖高新区")
    transfer.get_by_role("button", name="转派").click()
    expect(transfer).to_be_hidden()
    expect(facts.locator(".fact", has_text="当前负责人")).to_contain_text("彭华魁")
    latest = desktop.locator("#t-history .event").first
    expect(latest).to_contain_text("→ 彭华魁")
    expect(latest).to_contain_text("企业注册地在东湖高新区")

    desktop.get_by_role("button", name="退出").click()
    expect(desktop.get_by_role("button", name="登录")).to_be_visible()
    expect(desktop.locator("#login-status")).to_contain_text("您已退出")
