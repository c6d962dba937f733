"""Office hours over the Chinese working-day calendar: slots, extended hours, whether a person
is available now and when one calls back."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hotline.appointments.after_hours import ServiceLine, after_hours
from hotline.appointments.hours import OfficeHours, chinese_date
from hotline.settings import Settings
from hotline.tickets.deadlines import BEIJING

HOURS = OfficeHours.from_config()
EXTENDED = OfficeHours.from_config(extended={"午间": "12:00-13:30", "傍晚": "17:30-19:00"})


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def test_a_working_day_has_the_two_half_days_in_half_hours() -> None:
    slots = HOURS.slots(date(2026, 9, 28))  # a Monday
    assert [s.key for s in slots if s.period == "上午"] == \
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert [s.key for s in slots if s.period == "下午"][0] == "13:30"
    assert slots[-1].key == "17:00" and f"{slots[-1].end:%H:%M}" == "17:30"
    assert len(slots) == 6 + 8 and not any(s.extended for s in slots)


def test_holidays_and_weekends_have_no_slots_but_a_make_up_saturday_has() -> None:
    assert HOURS.slots(date(2026, 10, 1)) == []  # 国庆
    assert HOURS.slots(date(2026, 10, 11)) == []  # an ordinary Sunday
    assert HOURS.slots(date(2026, 9, 26)) == []  # an ordinary Saturday
    assert len(HOURS.slots(date(2026, 10, 10))) == 14  # 调休: that Saturday is a working day


def test_extended_hours_give_slots_only_where_configured() -> None:
    slots = EXTENDED.slots(date(2026, 9, 28))
    late = [s for s in slots if s.extended]
    assert [(s.period, s.key) for s in late] == [
        ("午间", "12:00"), ("午间", "12:30"), ("午间", "13:00"),
        ("傍晚", "17:30"), ("傍晚", "18:00"), ("傍晚", "18:30")]
    assert EXTENDED.slots(date(2026, 10, 3)) == []  # not on a holiday either
    assert not EXTENDED.is_open(at(2026, 9, 28, 18, 0))  # extended windows are not office hours


def test_slot_length_is_configurable() -> None:
    hours = OfficeHours.from_config({"上午": "09:00-12:00"}, slot_minutes=60)
    assert [s.key for s in hours.slots(date(2026, 9, 28))] == ["09:00", "10:00", "11:00"]


@pytest.mark.parametrize(("office", "extended", "minutes"), [
    ({"上午": "9点-12点"}, None, 30),  # not HH:MM
    ({"上午": "12:00-09:00"}, None, 30),  # ends before it starts
    ({"上午": "09:00-12:00"}, {"午间": "11:30-13:00"}, 30),  # overlaps
    ({"上午": "09:00-09:20"}, None, 30),  # shorter than one slot
    ({"上午": "25:00-26:00"}, None, 30),
])
def test_an_unusable_configuration_is_refused(office: dict[str, str],
                                              extended: dict[str, str] | None,
                                              minutes: int) -> None:
    with pytest.raises(ValueError):
        OfficeHours.from_config(office, extended, minutes)


def test_office_hours_now() -> None:
    assert HOURS.is_open(at(2026, 9, 28, 9, 0))
    assert HOURS.is_open(at(2026, 9, 28, 17, 29))
    assert not HOURS.is_open(at(2026, 9, 28, 12, 30))  # lunch
    assert not HOURS.is_open(at(2026, 9, 28, 17, 30))
    assert not HOURS.is_open(at(2026, 10, 2, 10, 0))  # 国庆
    assert HOURS.is_open(at(2026, 10, 10, 10, 0))  # 调休 Saturday


def test_out_of_hours_calls_back_on_the_next_working_day_stated_in_chinese() -> None:
    evening = after_hours(at(2026, 12, 1, 19, 30), HOURS, ServiceLine())  # Tuesday evening
    assert not evening.open
    assert evening.call_back == date(2026, 12, 2) and evening.call_back_text == "12月2日（周三）"
    assert evening.message is not None and "12月2日（周三）" in evening.message
    assert evening.service_line is None and "专线" not in evening.message  # unset: not shown
    # Friday evening → Monday; the eve of 国庆 → the first day after it
    assert HOURS.call_back_day(at(2026, 12, 4, 18, 0)) == date(2026, 12, 7)
    assert HOURS.call_back_day(at(2026, 9, 30, 18, 0)) == date(2026, 10, 8)
    assert HOURS.call_back_day(at(2026, 10, 9, 18, 0)) == date(2026, 10, 10)  # 调休 Saturday
    # early on a working day a person calls back the same day
    assert HOURS.call_back_day(at(2026, 12, 2, 7, 30)) == date(2026, 12, 2)


def test_during_office_hours_nothing_is_promised() -> None:
    state = after_hours(at(2026, 12, 1, 10, 0), HOURS, ServiceLine("027-12345678", None))
    assert state.open and state.call_back is None and state.message is None
    assert state.service_line == "店小二服务专线 027-12345678"


def test_the_service_line_is_shown_only_when_configured() -> None:
    line = ServiceLine.from_config("027-12345678", "工作日 9:00–17:30")
    state = after_hours(at(2026, 12, 1, 20, 0), HOURS, line)
    assert state.message is not None
    assert "店小二服务专线 027-12345678（工作日 9:00–17:30）" in state.message
    assert ServiceLine.from_config("  ", "工作日 9:00–17:30").text() is None  # hours alone: no


def test_chinese_dates() -> None:
    assert chinese_date(date(2026, 12, 2)) == "12月2日（周三）"
    assert chinese_date(date(2026, 10, 10)) == "10月10日（周六）"


def test_the_settings_feed_the_office_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DXE_EXTENDED_HOURS", '{"傍晚": "17:30-19:00"}')
    monkeypatch.setenv("DXE_APPOINTMENT_SLOT_MINUTES", "45")
    monkeypatch.setenv("DXE_SERVICE_LINE_PHONE", "027-87654321")
    settings = Settings()
    hours = OfficeHours.from_config(settings.OFFICE_HOURS, settings.EXTENDED_HOURS,
                                    settings.APPOINTMENT_SLOT_MINUTES)
    assert [s.key for s in hours.slots(date(2026, 9, 28)) if s.extended] == ["17:30", "18:15"]
    assert settings.SERVICE_LINE_PHONE == "027-87654321" and settings.SERVICE_LINE_HOURS is None
