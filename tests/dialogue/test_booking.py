"""Booking through the real Rasa server: book (the form, its buttons), "我的预约",
"改到周四上午", "取消预约" — on the shared runtime with a fixed clock (Tuesday 2026-11-10).

The session's ``stack`` serves the model `make setup` trains (var/rasa/models), or the one
``DXE_TEST_RASA_MODEL`` names (tests/stack.py), e.g. a scratch model trained on a branch whose
bot/ data changed: ``DXE_TEST_RASA_MODEL=/tmp/booking-models/scratch.tar.gz``.
"""

from __future__ import annotations

from typing import Any

from tests.appointments.chat import RASA_NOW, booking_clock
from tests.appointments.chat import buttons as _buttons
from tests.appointments.chat import text as _text
from tests.dialogue.conftest import Stack


def test_book_list_reschedule_cancel_through_rasa(stack: Stack, runtime: Any) -> None:
    session = "web:booking-rasa"
    with booking_clock(runtime, RASA_NOW):
        asked = stack.chat(session, "我要预约")
        assert "什么事项" in _text(asked) and "高企认定" in _buttons(asked), _text(asked)
        company = stack.chat(session, _buttons(asked)["高企认定"])
        assert "全称" in _text(company), _text(company)
        phone = stack.chat(session, "武汉星河科技有限公司")
        assert "电话" in _text(phone), _text(phone)
        when = stack.chat(session, "13912345678")
        assert "哪天" in _text(when) and "11月11日（周三）下午" in _buttons(when), _text(when)
        slots = stack.chat(session, _buttons(when)["11月11日（周三）下午"])
        assert "11月11日（周三）下午可以预约的时段" in _text(slots), _text(slots)
        booked = stack.chat(session, _buttons(slots)["下午 14:00–14:30"])
        assert "预约成功" in _text(booked) and "11月11日（周三）下午 14:00–14:30" in _text(booked)
        assert "市民之家市科技局服务窗口" in _text(booked)
        mine = runtime.appointments.service.mine(session)
        assert [(a.start, a.company, a.phone) for a in mine] == \
            [("14:00", "武汉星河科技有限公司", "13912345678")]

        listed = stack.chat(session, "我的预约")
        assert "11月11日（周三）下午 14:00–14:30" in _text(listed), _text(listed)
        moved = stack.chat(session, "改到周四上午")
        assert "已为您改期" in _text(moved), _text(moved)
        assert "11月12日（周四）上午 09:00–09:30" in _text(moved)
        cancelled = stack.chat(session, "取消预约")
        assert "已取消" in _text(cancelled), _text(cancelled)
    assert runtime.appointments.service.mine(session)[0].status == "cancelled"
    assert runtime.appointments.service.mine("web:someone-else") == []
