"""Answers outside the 5-second window, through the customer-service API of the fake WeChat.

The WeChat server is the fake (real HTTP, WeChat's JSON protocol); the only stand-in is the
deliberately slow chat service of the timing test.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from api.channels.wechat import WeChatNotifier, send_wechat_text
from api.channels.wechat.client import WeChatApiClient
from api.channels.wechat.delivery import deliver_text
from api.channels.wechat.storage import DatabaseStorage
from api.schemas import Answer, ChatRequest, ChatResponse, Citation, Reply
from tests.channels.wechat.support import (
    chat_turns,
    event_xml,
    new_openid,
    post_xml,
    reply_content,
    text_xml,
)


class SlowChat:
    """A chat service that takes longer than the reply window."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    async def handle(self, request: ChatRequest) -> ChatResponse:
        self.calls += 1
        await asyncio.sleep(self.delay)
        citation = Citation(doc_id="notice-wukehan-2021-10", title="市科技局关于……的通知",
                            doc_number="武科函〔2021〕10号", section="（八）优化高企认定服务流程",
                            snippet="全程网办", score=0.9)
        return ChatResponse(session_id=request.session_id, intent="ask_policy",
                            replies=[Reply(text="高企认定可以全程网办。")],
                            answer=Answer(confidence=0.9, citations=[citation]))


def test_slow_answer_replies_success_at_once_then_arrives_by_customer_service(
        wechat_app: Any, fake_api: Any) -> None:
    openid = new_openid()
    xml = text_xml(openid, "高企 网上能办不")
    with wechat_app(REPLY_TIMEOUT_SECONDS="0.3") as client:
        slow = SlowChat(delay=1.0)
        client.app.state.chat = slow
        started = time.monotonic()
        first = post_xml(client, xml)
        elapsed = time.monotonic() - started
        assert first.status_code == 200 and first.text == "success"
        assert elapsed < 0.9  # did not wait for the answer
        retry = post_xml(client, xml)  # WeChat's retry while the answer is on its way
        assert retry.text == "success"
        sent = fake_api.wait_for_sent(openid, 1)
        assert sent == ["高企认定可以全程网办。\n\n【来源】武科函〔2021〕10号（八）"]
        late_retry = post_xml(client, xml)
        assert late_retry.text == "success"
    assert slow.calls == 1
    assert fake_api.sent_to(openid) == sent  # one answer, never a second
    assert fake_api.token_requests == 1


def test_access_token_is_fetched_once_and_shared_by_client_instances(
        wechat_app: Any, fake_api: Any, runtime: Any) -> None:
    def client() -> WeChatApiClient:  # as two processes would: own storage object, same DB
        return WeChatApiClient(fake_api.app_id, fake_api.app_secret,
                               api_base_url=fake_api.base_url,
                               session=DatabaseStorage(runtime.sessions), timeout=5)

    openid = new_openid()
    assert deliver_text(client(), openid, "第一条")
    assert deliver_text(client(), openid, "第二条")
    assert fake_api.token_requests == 1
    assert fake_api.sent_to(openid) == ["第一条", "第二条"]


def test_invalid_or_expired_token_is_refreshed_once(wechat_app: Any, fake_api: Any,
                                                    runtime: Any) -> None:
    storage = DatabaseStorage(runtime.sessions)
    client = WeChatApiClient(fake_api.app_id, fake_api.app_secret,
                             api_base_url=fake_api.base_url, session=storage, timeout=5)
    openid = new_openid()
    assert deliver_text(client, openid, "一")
    fake_api.revoke_tokens()  # 40001
    assert deliver_text(client, openid, "二")
    fake_api.expire_tokens()  # 42001
    assert deliver_text(client, openid, "三")
    assert fake_api.token_requests == 3
    assert fake_api.sent_to(openid) == ["一", "二", "三"]


def test_wrong_app_secret_fails_without_crashing(wechat_app: Any, fake_api: Any,
                                                 runtime: Any) -> None:
    client = WeChatApiClient(fake_api.app_id, "wrong-secret", api_base_url=fake_api.base_url,
                             session=DatabaseStorage(runtime.sessions, prefix="wrong"),
                             timeout=5)
    assert deliver_text(client, new_openid(), "你好") is False


def test_quota_error_is_handled_and_respected(wechat_app: Any, fake_api: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        post_xml(client, event_xml(openid, "subscribe"))  # the user interacted: 3 allowed
        channel = client.app.state.wechat
        assert channel.quota.remaining(openid) == 3
        fake_api.set_quota(openid, 0)  # WeChat disagrees: 45047
        notifier = WeChatNotifier(client.app.state)
        assert notifier.notify(f"wx:{openid}", "您的工单已办结。") is False
        assert channel.quota.remaining(openid) == 0
        requests_before = fake_api.send_requests
        assert notifier.notify(f"wx:{openid}", "再试一次") is False
        assert fake_api.send_requests == requests_before  # not even asked
        # the user writes again: a new allowance, and WeChat accepts again
        fake_api.set_quota(openid, 10)
        post_xml(client, text_xml(openid, "你好"))
        assert notifier.notify(f"wx:{openid}", "您的工单已办结。") is True
    assert fake_api.sent_to(openid) == ["您的工单已办结。"]


def test_allowance_after_a_message_is_five(wechat_app: Any, fake_api: Any) -> None:
    openid = new_openid()
    with wechat_app() as client:
        notifier = WeChatNotifier(client.app.state)
        assert notifier.notify(f"wx:{openid}", "没有互动过") is False  # nothing allowed yet
        post_xml(client, text_xml(openid, "你好"))
        results = [notifier.notify(f"wx:{openid}", f"进度{i}") for i in range(6)]
    assert results == [True] * 5 + [False]
    assert fake_api.sent_to(openid) == [f"进度{i}" for i in range(5)]


def test_notifier_ignores_other_channels_and_a_switched_off_channel(
        wechat_app: Any, fake_api: Any) -> None:
    with wechat_app() as client:
        notifier = WeChatNotifier(client.app.state)
        assert notifier.notify("web-session-1", "你好") is False
        assert notifier.notify("wx:../../etc", "你好") is False
    with wechat_app(TOKEN=None) as client:
        assert client.app.state.wechat is None
        assert WeChatNotifier(client.app.state).notify(f"wx:{new_openid()}", "你好") is False
    assert fake_api.send_requests == 0


def test_long_text_is_sent_in_parts_under_the_limit(wechat_app: Any, fake_api: Any) -> None:
    openid = new_openid()
    paragraphs = [f"第{i}段：" + "高新技术企业认定申报材料按要求准备。" * 12 for i in range(12)]
    text = "\n".join(paragraphs)
    with wechat_app() as client:
        post_xml(client, text_xml(openid, "你好"))
        ok = client.portal.call(send_wechat_text, client.app.state, openid, text)
    parts = fake_api.sent_to(openid)
    assert ok is True and len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "\n".join(parts) == text  # split between paragraphs, nothing lost


def test_turns_are_recorded_for_deferred_answers_too(wechat_app: Any, runtime: Any,
                                                    fake_api: Any) -> None:
    openid = new_openid()
    with wechat_app(REPLY_TIMEOUT_SECONDS="0.01") as client:
        response = post_xml(client, text_xml(openid, "光谷的企业找谁？"))
        if response.text == "success":  # the real dialogue missed a 10 ms window
            content = fake_api.wait_for_sent(openid, 1)[0]
        else:
            content = reply_content(response.text)
    assert "东湖高新区" in content
    assert chat_turns(runtime, openid) == 1
