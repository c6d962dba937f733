"""A booking over WeChat (direct mode, against the local fake of WeChat's API): the buttons
arrive as numbered text choices, and typing the number books."""

from __future__ import annotations

from typing import Any

from tests.appointments.chat import WECHAT_NOW, booking_clock
from tests.channels.wechat.support import new_openid, post_xml, reply_content, text_xml


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
