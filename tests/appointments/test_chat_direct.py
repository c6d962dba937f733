"""Booking, listing, rescheduling and cancelling through /api/chat with the dialogue server
down (the direct path), on the shared runtime with a fixed clock (Tuesday 2026-11-03 10:00)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from hotline.appointments.service import NewBooking
from tests.appointments.chat import DIRECT_NOW, booking_clock, buttons, text
from tests.sessions import internal_id, new_session
from tests.tickets.test_degraded_chat import chat

if TYPE_CHECKING:
    from api.runtime import Runtime


@pytest.fixture(autouse=True)
def fixed_clock(runtime: Runtime) -> Iterator[None]:
    with booking_clock(runtime, DIRECT_NOW):
        yield


def test_book_list_reschedule_cancel_without_rasa(client: TestClient, runtime: Runtime) -> None:
    session = new_session(client)
    asked = chat(client, session, "我要预约")
    assert "什么事项" in text(asked) and "高企认定" in buttons(asked)
    company = chat(client, session, buttons(asked)["高企认定"])
    assert "全称" in text(company)
    when = chat(client, session, "武汉星河科技有限公司，13912345678")
    assert "哪天" in text(when) and "11月4日（周三）上午" in buttons(when)
    slots = chat(client, session, "明天下午")
    assert "11月4日（周三）下午可以预约的时段" in text(slots)
    booked = chat(client, session, buttons(slots)["下午 14:00–14:30"])
    assert booked["intent"] == "book_appointment"
    assert booked["watch_inbox"] is True and slots["watch_inbox"] is False  # the reminder's
    assert "预约成功" in text(booked) and "11月4日（周三）下午 14:00–14:30" in text(booked)
    assert "市民之家市科技局服务窗口" in text(booked)
    mine = runtime.appointments.service.mine(internal_id(runtime, session))
    assert [(a.date, a.start, a.company, a.phone, a.service_item) for a in mine] == \
        [(date(2026, 11, 4), "14:00", "武汉星河科技有限公司", "13912345678", "高企认定")]

    listed = chat(client, session, "我的预约")
    assert "11月4日（周三）下午 14:00–14:30" in text(listed)
    moved = chat(client, session, "改到周四上午")
    assert "已为您改期" in text(moved) and "11月5日（周四）上午 09:00–09:30" in text(moved)
    assert moved["watch_inbox"] is True and listed["watch_inbox"] is False
    cancelled = chat(client, session, "取消预约")
    assert "已取消" in text(cancelled) and cancelled["watch_inbox"] is False
    assert runtime.appointments.service.mine(internal_id(runtime, session))[0].status == \
        "cancelled"


def test_another_session_sees_none_of_it(client: TestClient) -> None:
    session = new_session(client)
    chat(client, session, "预约明天上午，高企认定，武汉星河科技有限公司 13912345679")
    other = new_session(client)
    assert "没有待办理的预约" in text(chat(client, other, "我的预约"))
    assert "没有待办理的预约" in text(chat(client, other, "取消预约"))


def test_one_message_with_everything_offers_that_half_days_slots(client: TestClient) -> None:
    session = new_session(client)
    slots = chat(client, session, "帮我约个时间去窗口 周四下午 办技术合同 武汉云帆智能有限公司 13712340002")
    assert "11月5日（周四）下午可以预约的时段" in text(slots)
    assert "下午 13:30–14:00" in buttons(slots)


def test_a_full_slot_is_refused_politely_with_alternatives(client: TestClient,
                                                          runtime: Runtime) -> None:
    service = runtime.appointments.service
    day = date(2026, 11, 6)
    for n in range(service.rules.capacity):
        service.book(NewBooking(session_id=f"web:full-{n}", channel="web", service_item="高企认定",
                                day=day, company="武汉某某科技有限公司", phone="13900000000",
                                start="09:00"))
    session = new_session(client)
    chat(client, session, "我要预约 高企认定 武汉星河科技有限公司 13912345670")
    refused = chat(client, session, '/book_appointment{"booking_slot":"2026-11-06T09:00"}')
    assert "已约满" in text(refused) and buttons(refused)
    alternative = next(iter(buttons(refused).values()))
    assert "预约成功" in text(chat(client, session, alternative))


def test_after_hours_without_extended_hours_configured_says_so(client: TestClient) -> None:
    session = new_session(client)
    chat(client, session, "我要预约 高企认定 武汉星河科技有限公司 13912345671")
    evening = chat(client, session, "白天没空，下班后去行不行")
    assert "没有开放延时服务" in text(evening) and "哪天" in text(evening)


def test_a_question_about_booking_is_answered_and_offers_to_book(client: TestClient) -> None:
    answered = chat(client, new_session(client), "可以先预约再去窗口吗")
    assert answered["answer"] is not None and answered["intent"] != "book_appointment"
    assert "在线预约" in buttons(answered)


def test_stopping_halfway_stores_nothing(client: TestClient, runtime: Runtime) -> None:
    session = new_session(client)
    chat(client, session, "我要预约")
    assert "不办了" in text(chat(client, session, "算了"))
    assert runtime.appointments.service.mine(internal_id(runtime, session)) == []
