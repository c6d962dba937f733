"""Booking through the real Rasa server: book (the form, its buttons), "我的预约",
"改到周四上午", "取消预约" — on the shared runtime with a fixed clock (Tuesday 2026-11-10).

The model is the one `make setup` trains (var/rasa/models), or the one named by
``DXE_TEST_RASA_MODEL`` (a scratch model trained elsewhere, e.g. on a feature branch whose
bot/ data changed: ``DXE_TEST_RASA_MODEL=/tmp/booking-models/scratch.tar.gz``).
This module starts its own app + Rasa pair for that model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.supervisor import RASA_MODEL, dialogue_stack
from tests.appointments.chat import RASA_NOW, booking_clock
from tests.dialogue.conftest import TOKEN, Stack


@pytest.fixture(scope="module")
def booking_stack(runtime: Any, test_settings: Any,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = Path(os.environ.get("DXE_TEST_RASA_MODEL") or RASA_MODEL)
    workdir = tmp_path_factory.mktemp("rasa-booking")
    with dialogue_stack(test_settings, workdir, TOKEN, runtime=runtime, rasa_timeout=10.0,
                        model=model) as running:
        yield Stack(running.app_url, running.rasa_url, running.rasa, running.settings,
                    workdir / "rasa.log")


def _buttons(body: dict[str, Any]) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in body["replies"] for b in r["buttons"]}


def _text(body: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in body["replies"])


def test_book_list_reschedule_cancel_through_rasa(booking_stack: Stack, runtime: Any) -> None:
    session = "web:booking-rasa"
    with booking_clock(runtime, RASA_NOW):
        asked = booking_stack.chat(session, "我要预约")
        assert "什么事项" in _text(asked) and "高企认定" in _buttons(asked), _text(asked)
        company = booking_stack.chat(session, _buttons(asked)["高企认定"])
        assert "全称" in _text(company), _text(company)
        phone = booking_stack.chat(session, "武汉星河科技有限公司")
        assert "电话" in _text(phone), _text(phone)
        when = booking_stack.chat(session, "13912345678")
        assert "哪天" in _text(when) and "11月11日（周三）下午" in _buttons(when), _text(when)
        slots = booking_stack.chat(session, _buttons(when)["11月11日（周三）下午"])
        assert "11月11日（周三）下午可以预约的时段" in _text(slots), _text(slots)
        booked = booking_stack.chat(session, _buttons(slots)["下午 14:00–14:30"])
        assert "预约成功" in _text(booked) and "11月11日（周三）下午 14:00–14:30" in _text(booked)
        assert "市民之家市科技局服务窗口" in _text(booked)
        mine = runtime.appointments.service.mine(session)
        assert [(a.start, a.company, a.phone) for a in mine] == \
            [("14:00", "武汉星河科技有限公司", "13912345678")]

        listed = booking_stack.chat(session, "我的预约")
        assert "11月11日（周三）下午 14:00–14:30" in _text(listed), _text(listed)
        moved = booking_stack.chat(session, "改到周四上午")
        assert "已为您改期" in _text(moved), _text(moved)
        assert "11月12日（周四）上午 09:00–09:30" in _text(moved)
        cancelled = booking_stack.chat(session, "取消预约")
        assert "已取消" in _text(cancelled), _text(cancelled)
    assert runtime.appointments.service.mine(session)[0].status == "cancelled"
    assert runtime.appointments.service.mine("web:someone-else") == []
