"""The console's 预约 view in Chromium against the real stack: bookings made through the
enterprise API appear in their slot (phones masked, a company name with markup shown as
text), the staff member marks 到场 / 未到, blocks a slot after confirming, and the API then
refuses to book it; an editor, who manages no calendar, gets no 预约 view.

The appointment service's clock is set to 08:00 on a fixed working day, so that "today"
has bookable slots and attendance can be marked whenever the suite runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.security.accounts import create_staff
from hotline.tickets.deadlines import BEIJING
from tests.clock import Clock
from tests.stack import Stack
from tests.web.test_console import PASSWORD, sign_in
from tests.web.test_console import staff_name as staff_name  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DAY = date(2026, 12, 16)  # a Wednesday no other test books (the chat tests book in November)
MARKUP = '<img src=x onerror="window.__pwned=1">武汉星河科技有限公司'


def _book(stack: Stack, start: str, company: str, phone: str = "13912345678") -> Any:
    session = stack.http.post("/api/sessions").json()["session_id"]
    return stack.http.post("/api/appointments", json={
        "session_id": session, "date": DAY.isoformat(), "start": start, "company": company,
        "phone": phone, "service_item": "高企认定咨询"})


@pytest.fixture()
def office_morning(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's now: 08:00 Beijing on DAY (every slot of the day still ahead)."""
    monkeypatch.setattr(runtime.appointments.service, "clock",
                        Clock(datetime(2026, 12, 16, 8, 0, tzinfo=BEIJING)))


def test_staff_see_the_day_mark_attendance_and_block_a_slot(
        desktop: Page, staff_name: str, web_stack: Stack, runtime: Any, office_morning: None,
        artifacts: Path) -> None:
    plain = _book(web_stack, "09:00", "武汉云帆智能有限公司")
    marked = _book(web_stack, "09:00", MARKUP, phone="027-87654321")
    later = _book(web_stack, "14:00", "湖北天宇光电股份有限公司", phone="13712345678")
    for made in (plain, marked, later):
        assert made.status_code == 201, made.text

    sign_in(desktop, staff_name)
    tab = desktop.locator(".view-tab[data-view='bookings']")
    expect(tab).to_be_visible()
    tab.click()
    expect(tab).to_have_attribute("aria-pressed", "true")
    expect(desktop.locator("#bk-date")).to_have_value(DAY.isoformat())  # today, the service's
    summary = desktop.locator("#bk-summary")
    expect(summary).to_contain_text("12月16日（周三）（今天）")
    expect(summary).to_contain_text("市民之家市科技局服务窗口")
    expect(summary).to_contain_text("已约 3 家")
    expect(desktop.locator("#bk-slots .slot")).to_have_count(14)

    # the 09:00 slot is full; each booking with company, masked phone, item, channel, status
    slot = desktop.locator(".slot[data-start='09:00']")
    expect(slot.locator(".slot-count")).to_have_text("已约 2 / 2")
    first = slot.locator(f".booking[data-appointment='{plain.json()['id']}']")
    expect(first.locator(".bk-company")).to_have_text("武汉云帆智能有限公司")
    expect(first.locator(".bk-phone")).to_have_text("139****5678")
    expect(first).to_contain_text("高企认定咨询")
    expect(first).to_contain_text("网页")
    expect(first.locator(".badge")).to_have_text("已预约")
    first.get_by_role("button", name="显示号码").click()
    expect(first.locator(".bk-phone")).to_have_text("13912345678")

    # the company typed with markup is text: no element, no script
    second = slot.locator(f".booking[data-appointment='{marked.json()['id']}']")
    expect(second.locator(".bk-company")).to_have_text(MARKUP)
    expect(second.locator(".bk-phone")).to_have_text("027-****4321")
    assert desktop.locator("#bk-slots img").count() == 0
    assert desktop.evaluate("window.__pwned") is None

    # 到场 / 未到, recorded by the service
    first.get_by_role("button", name="到场").click()
    expect(first.locator(".badge")).to_have_text("已到场")
    expect(first.get_by_role("button", name="到场")).to_have_attribute("aria-pressed", "true")
    second.get_by_role("button", name="未到").click()
    expect(second.locator(".badge")).to_have_text("未到场")
    statuses = {a.id: a.status for a in runtime.appointments.service.day_bookings(DAY)}
    assert (statuses[plain.json()["id"]], statuses[marked.json()["id"]]) == ("attended", "no_show")

    # blocking a slot asks first; cancelling the dialog changes nothing
    free = desktop.locator(".slot[data-start='10:00']")
    expect(free.locator(".slot-empty")).to_have_text("暂无预约")
    free.get_by_role("button", name="暂停预约").click()
    dialog = desktop.locator("#dlg-block")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#block-text")).to_contain_text("12月16日（周三）上午 10:00–10:30")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    expect(free).to_have_class("slot")  # not blocked
    free.get_by_role("button", name="暂停预约").click()
    dialog.get_by_label("原因（可不填，仅工作人员可见）").fill("窗口检修")
    dialog.get_by_role("button", name="确认暂停").click()
    expect(dialog).to_be_hidden()
    expect(free).to_contain_text("已暂停：窗口检修")
    expect(desktop.locator("#bk-summary")).to_contain_text("暂停 1 个时段")
    desktop.screenshot(path=str(artifacts / "console-bookings.png"))
    refused = _book(web_stack, "10:00", "武汉长江数智科技有限公司")
    assert refused.status_code == 409 and "暂停" in refused.json()["message"]

    # and unblocking (confirmed too) opens it again
    free.get_by_role("button", name="恢复预约").click()
    expect(dialog.locator("#block-reason-field")).to_be_hidden()
    dialog.get_by_role("button", name="确认恢复").click()
    expect(free.get_by_role("button", name="暂停预约")).to_be_visible()
    assert _book(web_stack, "10:00", "武汉长江数智科技有限公司").status_code == 201
    expect(free.locator(".slot-count")).to_have_text("已约 1 / 2", timeout=20_000)  # polled

    # working days around it: the next is Thursday; a later booking cannot be marked yet
    desktop.get_by_role("button", name="后一工作日 ›").click()
    expect(desktop.locator("#bk-date")).to_have_value("2026-12-17")
    expect(desktop.locator("#bk-summary")).to_contain_text("12月17日（周四）")
    desktop.locator("#bk-date").fill("2026-12-19")  # a Saturday
    expect(desktop.locator("#bk-summary")).to_contain_text("不是工作日")
    expect(desktop.locator("#bk-slots .slot")).to_have_count(0)
    desktop.get_by_role("button", name="今天").click()
    expect(desktop.locator("#bk-date")).to_have_value(DAY.isoformat())

    # /console#bookings opens the view again after a reload (the tab keeps its sign-in)
    assert desktop.url.endswith("/console#bookings")
    desktop.reload()
    expect(tab).to_have_attribute("aria-pressed", "true")
    expect(desktop.locator("#bookings-view")).to_be_visible()
    expect(desktop.locator(".slot[data-start='09:00'] .slot-count")).to_have_text("已约 2 / 2")
    desktop.locator(".view-tab[data-view='tickets']").click()
    expect(desktop.locator("#work-view")).to_be_visible()
    assert desktop.url.endswith("/console")
    assert desktop.recorder.foreign(web_stack.app_url) == []  # type: ignore[attr-defined]


def test_an_editor_has_no_bookings_view(desktop: Page, runtime: Any) -> None:
    name = f"编辑-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name, role="editor")
    runtime.logins.set_password(name, PASSWORD)
    sign_in(desktop, name)
    expect(desktop.locator("#banner")).to_contain_text("您的角色不处理工单")
    expect(desktop.locator("html")).to_have_attribute("data-bookings", "0")
    expect(desktop.locator(".view-tab[data-view='bookings']")).to_be_hidden()
