"""Subscribing through /api/chat with the dialogue server down (the direct path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from hotline.subscriptions.service import NotVerified
from tests.sessions import credential_for, internal_id, new_session
from tests.tickets.test_degraded_chat import chat

if TYPE_CHECKING:
    from api.runtime import Runtime


def text(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def buttons(body: dict[str, Any]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in body["replies"] for b in reply["buttons"]}


def test_subscribe_list_unsubscribe_without_rasa(client: TestClient, runtime: Runtime) -> None:
    session = new_session(client)
    identity = internal_id(runtime, session)
    subscribed = chat(client, session, "订阅高企认定的政策")
    assert subscribed["intent"] == "subscribe" and "已为您订阅“高企认定”" in text(subscribed)
    assert "退订高企认定" in text(subscribed)
    projects = chat(client, session, "有新的项目申报通知告诉我")
    assert "已为您订阅“科技项目申报”" in text(projects)
    assert runtime.subscriptions.topics_of(identity) == ["high_tech", "projects"]
    again = chat(client, session, "订阅高企")
    assert "已经订阅了“高企认定”" in text(again)

    listed = chat(client, session, "我订阅了什么")
    assert listed["intent"] == "list_subscriptions"
    assert "高企认定、科技项目申报" in text(listed)
    assert set(buttons(listed)) == {"退订高企认定", "退订科技项目申报"}

    none = chat(client, session, "退订成果转化")
    assert "没有订阅“成果转化”" in text(none)
    one = chat(client, session, buttons(listed)["退订科技项目申报"])
    assert "已退订“科技项目申报”" in text(one) and "仍订阅着：高企认定" in text(one)
    everything = chat(client, session, "退订")
    assert everything["intent"] == "unsubscribe" and "退订全部" in text(everything)
    assert runtime.subscriptions.topics_of(identity) == []
    assert "还没有订阅" in text(chat(client, session, "我订阅了什么"))


def test_an_unnamed_topic_gets_the_topic_buttons(client: TestClient, runtime: Runtime) -> None:
    session = new_session(client)
    asked = chat(client, session, "我想订阅政策更新")
    assert "哪类政策" in text(asked)
    choices = buttons(asked)
    assert {"高企认定", "科技项目申报", "成果转化", "孵化载体", "人才与外国人工作许可",
            "科技金融", "科技特派员"} <= set(choices)
    done = chat(client, session, choices["孵化载体"])
    assert "已为您订阅“孵化载体”" in text(done)
    assert runtime.subscriptions.topics_of(internal_id(runtime, session)) == ["incubators"]
    chat(client, session, "退订")


def test_an_unverified_identity_is_told_how_and_a_company_name_is_no_key(
        client: TestClient, runtime: Runtime) -> None:
    anonymous = credential_for(runtime, "eh-anon:subscribe-test")
    refused = chat(client, anonymous, "订阅高企认定，我们公司是武汉星河科技有限公司")
    assert "鄂汇办" in text(refused) and "微信" in text(refused)
    with pytest.raises(NotVerified):  # an anonymous session holds no subscriptions
        runtime.subscriptions.topics_of("eh-anon:subscribe-test")
    other = new_session(client)
    chat(client, other, "订阅高企认定，我们公司是武汉星河科技有限公司")
    third = new_session(client)  # the same company typed elsewhere: nothing of the other's
    assert "还没有订阅" in text(chat(client, third, "我订阅了什么，武汉星河科技有限公司"))
    chat(client, other, "退订")  # leave the shared runtime as found


def test_policy_questions_are_still_answered(client: TestClient) -> None:
    session = new_session(client)
    answered = chat(client, session, "高企认定需要什么条件")
    assert answered["intent"] not in ("subscribe", "unsubscribe", "list_subscriptions")
