"""Which messages ask to book (and which only ask about booking): the rule both paths use."""

from __future__ import annotations

import pytest

from assistant.appointments import BOOK, CANCEL, LIST, RESCHEDULE, booking_intent


@pytest.mark.parametrize(("text", "intent"), [
    ("我要预约", BOOK), ("帮我约个时间去窗口", BOOK), ("预约明天上午", BOOK),
    ("想约个时间去窗口办高企的事", BOOK), ("能帮我预约一下吗", BOOK), ("预约", BOOK),
    ("我的预约", LIST), ("查一下我的预约", LIST),
    ("改到周四上午", RESCHEDULE), ("预约改到明天下午", RESCHEDULE),
    ("取消预约", CANCEL), ("帮我取消我的预约", CANCEL),
    # questions about the clause, answered from the knowledge base
    ("可以先预约再去窗口吗", None), ("窗口能不能提前预约啊 可以吗", None),
    ("窗口能预约吗 我们五点半才下班赶不过去", None), ("预约服务是什么", None),
    ("窗口预约要提前几天", None), ("去市民之家科技局窗口办事 可以提前约个时间吗", None),
    # 约 a person is a request for a person (handoff) or a liaison question
    ("可以帮我约一下窗口的工作人员吗 我想当面问", None), ("帮我约一下洪山区的对接人 想当面聊", None),
    ("在纸坊街道 想约科技局包区的人来厂里看看 找谁", None),
    # other agencies' bookings and unrelated messages
    ("取消了预约还能再约吗", None), ("预约怎么改期", None),
    ("车辆年检预约", None), ("帮我预约医院挂号", None), ("高企认定要什么条件", None),
])
def test_booking_intent(text: str, intent: str | None) -> None:
    assert booking_intent(text) == intent
