"""A booking over WeChat (direct mode, against the local fake of WeChat's API): the buttons
arrive as numbered text choices, typing the number books, and the working-day-before reminder
reaches the user as a customer-service message (inside the 48-hour window its message opened)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hotline.tickets.deadlines import BEIJING
from tests.appointments.chat import WECHAT_NOW, booking_clock
from tests.channels.wechat.support import new_openid, post_xml, reply_content, text_xml
from tests.clock import Clock


def _send(client: Any, openid: str, text: str) -> str:
    return reply_content(post_xml(client, text_xml(openid, text)).text)


def test_a_booking_over_wechat_with_numbered_choices(wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with booking_clock(runtime, WECHAT_NOW), wechat_app() as client:
        when = _send(client, openid, "我要预约 高企认定 武汉星河科技有限公司 13912345678")
        assert "哪天" in when and "请回复序号选择：" in when and "\n3. 11月18日（周三）上午" in when
        slots = _send(client, openid, "3")
        assert "11月18日（周三）上午可以预约的时段" in slots and "\n1. 上午 09:00–09:30" in slots
        booked = _send(client, openid, "1")
    assert "预约成功" in booked and "11月18日（周三）上午 09:00–09:30" in booked
    mine = runtime.appointments.service.mine(f"wx:{openid}")
    assert [(a.channel, a.start) for a in mine] == [("wechat", "09:00")]


def test_the_reminder_reaches_wechat_by_customer_service(wechat_app: Any, runtime: Any,
                                                         fake_api: Any) -> None:
    openid = new_openid()
    with booking_clock(runtime, WECHAT_NOW), wechat_app() as client:
        when = _send(client, openid, "我要预约 高企认定 武汉星河科技有限公司 13912345678")
        # Thursday 11月19日: its reminder moment (Wednesday 09:00) is still ahead
        thursday = re.search(r"\n(\d+)\. 11月19日（周四）下午", when)
        assert thursday, when
        slots = _send(client, openid, thursday.group(1))
        last = re.findall(r"\n(\d+)\. 下午 (\d\d:\d\d)–", slots)[-1]
        booked = _send(client, openid, last[0])
        assert "预约成功" in booked and f"11月19日（周四）下午 {last[1]}" in booked, booked
        (booking,) = [a for a in runtime.appointments.service.mine(f"wx:{openid}")
                      if a.date.isoformat() == "2026-11-19"]
        reminders = runtime.appointments.reminders
        previous = reminders.clock
        reminders.clock = Clock(datetime(2026, 11, 18, 9, 30, tzinfo=BEIJING))
        try:  # the app's own reminder job may win the claim: once either way
            assert reminders.send_due() in ([booking.id], [])
        finally:
            reminders.clock = previous
        runtime.notifications.worker.run_once()
        sent = [m for m in fake_api.wait_for_sent(openid, 1) if "【预约提醒】" in m]
    assert len(sent) == 1, fake_api.sent_to(openid)
    assert f"11月19日（周四）下午 {last[1]}" in sent[0] and f"预约号 {booking.id}" in sent[0]


def test_list_reschedule_and_cancel_over_wechat(wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with booking_clock(runtime, WECHAT_NOW), wechat_app() as client:
        when = _send(client, openid, "我要预约 技术合同 武汉云帆智能有限公司 13712340003")
        thursday = re.search(r"\n(\d+)\. 11月19日（周四）上午", when)
        assert thursday, when
        slots = _send(client, openid, thursday.group(1))
        first = re.search(r"\n(\d+)\. 上午 (\d\d:\d\d)–", slots)
        assert first, slots
        assert "预约成功" in _send(client, openid, first.group(1))
        listed = _send(client, openid, "我的预约")
        assert f"11月19日（周四）上午 {first.group(2)}" in listed, listed
        moved = _send(client, openid, "改到周五上午")
        assert "已为您改期" in moved and "11月20日（周五）上午" in moved, moved
        (booking,) = runtime.appointments.service.mine(f"wx:{openid}")
        assert (booking.date.isoformat(), booking.status) == ("2026-11-20", "booked")
        cancelled = _send(client, openid, "取消预约")
        if "已取消" not in cancelled:  # asked which one / to confirm: the numbered choice
            choice = re.search(r"\n(\d+)\. ", cancelled)
            assert choice, cancelled
            cancelled = _send(client, openid, choice.group(1))
    assert "已取消" in cancelled, cancelled
    assert [a.status for a in runtime.appointments.service.mine(f"wx:{openid}")] == ["cancelled"]
