"""The day / half-day / time parser of booking messages, relative to a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.booking_dates import When, chinese_number, read_when

TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(("text", "expected"), [
    ("改到周四上午", When(date(2026, 12, 3), "上午")),
    ("明天下午", When(date(2026, 12, 2), "下午")),
    ("后天", When(date(2026, 12, 3))),
    ("12月3日", When(date(2026, 12, 3))),
    ("十二月三号上午9点半", When(date(2026, 12, 3), "上午", "09:30")),
    ("下周二下午三点", When(date(2026, 12, 8), "下午", "15:00")),
    ("这周五", When(date(2026, 12, 4))),
    ("星期一上午", When(date(2026, 12, 7), "上午")),
    ("周二", When(date(2026, 12, 1))),  # today is Tuesday: today
    ("3号上午", When(date(2026, 12, 3), "上午")),
    ("30号", When(date(2026, 12, 30))),
    ("1号", When(date(2026, 12, 1))),  # today is the 1st
    ("1月5日上午", When(date(2027, 1, 5), "上午")),  # passed this year: next year's
    ("2026-12-10 14:00", When(date(2026, 12, 10), None, "14:00")),
    ("白天没空，能不能下班后去", When(None, "晚上")),
    ("今天中午", When(date(2026, 12, 1), "中午")),
    ("下午3点", When(None, "下午", "15:00")),
    ("我要预约", When()),
    ("武汉星河科技有限公司 13912345678", When()),
])
def test_read_when(text: str, expected: When) -> None:
    assert read_when(text, TODAY) == expected


def test_extended_half_days_are_marked() -> None:
    assert read_when("下班后", TODAY).extended and not read_when("上午", TODAY).extended


@pytest.mark.parametrize(("text", "number"), [("3", 3), ("十", 10), ("十二", 12),
                                              ("二十三", 23), ("两", 2), ("三十一", 31),
                                              ("abc", None), ("", None)])
def test_chinese_number(text: str, number: int | None) -> None:
    assert chinese_number(text) == number
