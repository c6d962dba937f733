"""Booking in the H5 chat page (phone viewport, Chromium) through the real stack — the app and
a real `rasa run`: book by following the buttons, "我的预约", "改到周四上午", "取消预约", book again
and get the working-day-before reminder in the page's inbox without a reload; a company name
typed with markup stays text.

The appointment service's clock is Monday 2026-12-21 10:00 (Beijing): the page books
12月22日–24日, days no other test books (the chat tests book in November, the console's
bookings journey 12月16日), so the web stack's shared database has their slots free.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.tickets.deadlines import BEIJING
from tests.appointments.chat import booking_clock
from tests.clock import Clock
from tests.paths import PROJECT_ROOT
from tests.stack import Stack
from tests.web.test_browser import ask, last_bot_text, open_chat, tap

pytestmark = [pytest.mark.browser, pytest.mark.integration]

NOW = datetime(2026, 12, 21, 10, 0, tzinfo=BEIJING)  # a Monday morning
TUESDAY, WEDNESDAY, THURSDAY = date(2026, 12, 22), date(2026, 12, 23), date(2026, 12, 24)
EVE_OF_WEDNESDAY = datetime(2026, 12, 22, 9, 30, tzinfo=BEIJING)  # after the 09:00 reminder time
COMPANY, PHONE = "武汉星河科技有限公司", "13912345678"
MARKUP = '<img src=x onerror="window.__pwned=1">武汉云帆智能有限公司'
SCREENSHOT = PROJECT_ROOT / "docs" / "booking-page.png"


@pytest.fixture()
def monday(runtime: Any) -> Iterator[Clock]:
    with booking_clock(runtime, NOW) as clock:
        yield clock


def _session(page: Page, runtime: Any) -> str:
    """The internal session id behind the page's credential (the bookings' owner)."""
    credential = page.evaluate(
        "() => JSON.parse(localStorage.getItem('dxe.chat.v1.web')).sessionId")
    return str(runtime.session_issuer.verify(credential).session_id)


def _booked(runtime: Any, day: date) -> list[tuple[str, str]]:
    """(start, company) of the day's live bookings at the window."""
    return [(a.start, a.company) for a in runtime.appointments.service.day_bookings(day)
            if a.status == "booked"]


def _book(page: Page, half_day: str, slot: str) -> str:
    """"我要预约" and the form's questions, by its buttons (the company and phone typed when
    asked — a second booking may remember them); the confirmation's text."""
    ask(page, "我要预约")
    assert "什么事项" in last_bot_text(page), last_bot_text(page)
    tap(page, "高企认定")
    if "全称" in last_bot_text(page):
        ask(page, COMPANY)
    if "电话" in last_bot_text(page):
        ask(page, PHONE)
    assert "哪天" in last_bot_text(page), last_bot_text(page)
    tap(page, half_day)
    assert f"{half_day}可以预约的时段" in last_bot_text(page), last_bot_text(page)
    tap(page, slot)
    return last_bot_text(page)


def test_book_move_cancel_and_get_the_reminder_in_the_page(
        phone: Page, web_stack: Stack, runtime: Any, monday: Clock) -> None:
    open_chat(phone)

    # 1. book by the buttons: item, company and phone typed, half-day, a free slot
    confirmed = _book(phone, "12月22日（周二）上午", "上午 09:30–10:00")
    assert "预约成功" in confirmed and "12月22日（周二）上午 09:30–10:00" in confirmed, confirmed
    assert "市民之家市科技局服务窗口" in confirmed
    expect(phone.locator("#log .row.bot .bubble").last).to_contain_text(
        "12月22日（周二）上午 09:30–10:00")
    session = _session(phone, runtime)
    assert _booked(runtime, TUESDAY) == [("09:30", COMPANY)]

    # 2. list, move, cancel
    ask(phone, "我的预约")
    assert "12月22日（周二）上午 09:30–10:00" in last_bot_text(phone), last_bot_text(phone)
    ask(phone, "改到周四上午")
    moved = last_bot_text(phone)
    assert "已为您改期" in moved and "12月24日（周四）上午 09:00–09:30" in moved, moved
    assert _booked(runtime, THURSDAY) == [("09:00", COMPANY)]
    assert _booked(runtime, TUESDAY) == []
    mine = runtime.appointments.service.mine(session)
    assert [(a.date, a.start, a.status) for a in mine] == [(THURSDAY, "09:00", "booked")]
    ask(phone, "取消预约")
    if "已取消" not in last_bot_text(phone):  # asked which one, or whether sure: the button
        tap(phone, phone.locator("#log .row.bot").last.locator(".reply-btn").first.inner_text())
    assert "已取消" in last_bot_text(phone), last_bot_text(phone)
    assert [a.status for a in runtime.appointments.service.mine(session)] == ["cancelled"]
    assert _booked(runtime, THURSDAY) == []

    # 3. book again (Wednesday afternoon); on Tuesday morning the reminder reaches the page
    again = _book(phone, "12月23日（周三）下午", "下午 14:30–15:00")
    assert "预约成功" in again and "12月23日（周三）下午 14:30–15:00" in again, again
    (booking,) = [a for a in runtime.appointments.service.mine(session) if a.status == "booked"]
    reminders = runtime.appointments.reminders
    previous, reminders.clock = reminders.clock, Clock(EVE_OF_WEDNESDAY)
    try:  # the app's own reminder job (every 5 minutes) may win the claim: once either way
        assert reminders.send_due() in ([booking.id], [])
    finally:
        reminders.clock = previous
    (reminded,) = [a for a in runtime.appointments.service.mine(session) if a.id == booking.id]
    assert reminded.reminded_at is not None
    runtime.notifications.worker.run_once()
    users = phone.locator("#log .row.user").count()
    inbox = phone.locator("#log .row.bot.inbox")
    expect(inbox).to_have_count(1, timeout=30_000)  # polled: no reload, nothing typed
    expect(inbox.last).to_contain_text("【预约提醒】")
    expect(inbox.last).to_contain_text("12月23日（周三）下午 14:30–15:00")
    expect(inbox.last).to_contain_text(f"预约号 {booking.id}")
    assert phone.locator("#log .row.user").count() == users
    inbox.last.scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOT))
    phone.reload()  # kept in the transcript, shown once
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")
    expect(phone.locator("#log .row.bot.inbox")).to_have_count(1)
    assert phone.recorder.foreign(web_stack.app_url) == []  # type: ignore[attr-defined]


def test_a_company_typed_with_markup_stays_text(phone: Page, runtime: Any, monday: Clock) -> None:
    open_chat(phone)
    ask(phone, "我要预约")
    tap(phone, "高企认定")
    assert "全称" in last_bot_text(phone), last_bot_text(phone)
    ask(phone, MARKUP)
    expect(phone.locator("#log .row.user .bubble").last).to_have_text(f"我说：{MARKUP}")
    reply = last_bot_text(phone)
    # taken as the name (the next question is the phone) or politely asked again
    assert "电话" in reply or "全称" in reply, reply
    assert re.search(r"[\u4e00-\u9fff]", reply)
    assert phone.locator("#log img, #log script").count() == 0
    assert phone.evaluate("() => window.__pwned") is None
    ask(phone, "算了")  # stops the form: nothing booked
    assert runtime.appointments.service.mine(_session(phone, runtime)) == []
    assert phone.locator("#log img, #log script").count() == 0
    assert phone.evaluate("() => window.__pwned") is None
