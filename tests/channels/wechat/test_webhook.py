"""/wechat over the real app: URL verification, text answers with citations, retries, events."""

from __future__ import annotations

import time
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from tests.channels.wechat.support import (
    ACCOUNT,
    TOKEN,
    chat_turns,
    event_xml,
    new_openid,
    post_xml,
    reply_content,
    signed_query,
    text_xml,
    voice_xml,
)


def test_url_verification_echoes_echostr(wechat_app: Any) -> None:
    with wechat_app() as client:
        response = client.get("/wechat", params=signed_query(echostr="5837397520470917370"))
    assert response.status_code == 200
    assert response.text == "5837397520470917370"


def test_url_verification_refuses_bad_missing_or_stale_signatures(wechat_app: Any) -> None:
    with wechat_app() as client:
        wrong = signed_query(token="not-our-token", echostr="123")
        assert client.get("/wechat", params=wrong).status_code == 403
        tampered = {**signed_query(echostr="123"), "nonce": "other"}
        assert client.get("/wechat", params=tampered).status_code == 403
        assert client.get("/wechat", params={"echostr": "123"}).status_code == 400
        stale = signed_query(timestamp=int(time.time()) - 3600, echostr="123")
        assert client.get("/wechat", params=stale).status_code == 403
        assert "123" not in client.get("/wechat", params=wrong).text


def test_channel_is_off_without_a_token(wechat_app: Any) -> None:
    with wechat_app(TOKEN=None) as client:
        assert client.get("/wechat", params=signed_query(echostr="1")).status_code == 404
        assert post_xml(client, text_xml(new_openid(), "你好")).status_code == 404


def test_text_message_is_answered_passively_with_a_short_citation(
        wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        response = post_xml(client, text_xml(openid, "高企 网上能办不"),
                            signed_query(openid=openid))
    assert response.status_code == 200
    root = fromstring(response.text)
    assert root.findtext("ToUserName") == openid and root.findtext("FromUserName") == ACCOUNT
    content = reply_content(response.text)
    assert "全程网办" in content
    assert "【来源】武科函〔2021〕10号（八）" in content
    assert "如需人工服务，请回复“转人工”。" in content  # the 转人工 button, as a hint
    assert "<" not in content and "**" not in content  # plain text
    assert len(content.encode("utf-8")) <= 2048
    assert chat_turns(runtime, openid) == 1


def test_retry_with_the_same_msg_id_gets_the_same_reply_and_one_turn(
        wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    xml = text_xml(openid, "光谷的企业找谁？", msg_id=1234567890123456789)
    with wechat_app() as client:
        first = post_xml(client, xml)
        second = post_xml(client, xml)  # WeChat's retry: same MsgId, new signature
        third = post_xml(client, xml)
    assert first.status_code == second.status_code == third.status_code == 200
    assert reply_content(first.text) == reply_content(second.text) == reply_content(third.text)
    assert "东湖高新区" in reply_content(first.text)
    assert chat_turns(runtime, openid) == 1


def test_subscribe_gets_the_welcome_and_a_retried_event_no_second_one(
        wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    xml = event_xml(openid, "subscribe", create_time=int(time.time()))
    with wechat_app() as client:
        welcome = reply_content(post_xml(client, xml).text)
        again = reply_content(post_xml(client, xml).text)
        unsubscribe = post_xml(client, event_xml(openid, "unsubscribe"))
    assert "店小二" in welcome and "包区联系人" in welcome and "政策" in welcome
    assert again == welcome
    assert unsubscribe.status_code == 200 and unsubscribe.text == "success"
    assert chat_turns(runtime, openid) == 0


def test_menu_click_asks_the_dialogue(wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        human = reply_content(post_xml(client, event_xml(openid, "CLICK", key="HUMAN")).text)
        other = reply_content(post_xml(client, event_xml(openid, "CLICK", key="ABOUT",
                                                         create_time=1)).text)
    assert "人工" in human  # the request for a person went through the dialogue
    assert "店小二" in other  # an unknown key shows the welcome
    assert chat_turns(runtime, openid) == 1


def test_voice_gets_a_polite_reply_unless_recognised(wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        polite = reply_content(post_xml(client, voice_xml(openid)).text)
        assert chat_turns(runtime, openid) == 0
        heard = reply_content(post_xml(client, voice_xml(openid, "光谷的企业找谁")).text)
    assert "文字" in polite
    assert "东湖高新区" in heard
    assert chat_turns(runtime, openid) == 1


def test_numbered_options_stand_for_buttons(wechat_app: Any, runtime: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        menu = reply_content(post_xml(client, text_xml(openid, "包区联系人找谁")).text)
        assert "请回复序号选择：" in menu and "\n1. " in menu
        first = menu.split("\n1. ", 1)[1].split("\n", 1)[0]
        answer = reply_content(post_xml(client, text_xml(openid, "1")).text)
    assert first.split("（")[0] in answer  # the district offered as option 1
    assert "联系人" in answer


def test_plaintext_message_with_mismatched_openid_is_refused(wechat_app: Any,
                                                            runtime: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        response = post_xml(client, text_xml(openid, "你好"), signed_query(openid=new_openid()))
    assert response.status_code == 400
    assert chat_turns(runtime, openid) == 0


def test_token_is_the_configured_one(wechat_app: Any) -> None:
    with wechat_app(TOKEN="another-token") as client:
        assert client.get("/wechat", params=signed_query(echostr="9")).status_code == 403
        ok = client.get("/wechat", params=signed_query(token="another-token", echostr="9"))
    assert ok.text == "9"
    assert TOKEN != "another-token"


def test_a_user_sending_in_a_loop_gets_a_polite_reply(wechat_app: Any, runtime: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Per OpenID (Tencent's servers relay everybody): the loop is told to slow down, in
    Chinese, and its messages never reach the assistant; another user is answered."""
    from hotline.security.throttle import Throttle

    monkeypatch.setattr(runtime, "throttle", Throttle({"wechat.user": "3/minute"}))
    looping, other = new_openid(), new_openid()
    with wechat_app() as client:
        replies = [reply_content(post_xml(client, text_xml(looping, f"你好{n}")).text)
                   for n in range(4)]
        assert "发得有点快" not in "".join(replies[:3])
        assert "发得有点快" in replies[3]
        assert chat_turns(runtime, looping) == 3
        assert "发得有点快" not in reply_content(post_xml(client, text_xml(other, "你好")).text)
