"""Subscribing through the real Rasa server: subscribe (a topic named, then none: buttons),
"我订阅了什么", "退订成果转化", "退订" — deciding as the direct path does.

Needs a model trained on this branch's bot/ data:
``DXE_TEST_RASA_MODEL=/tmp/subscriptions-models/scratch.tar.gz`` (tests/stack.py).
"""

from __future__ import annotations

from typing import Any

from tests.dialogue.conftest import Stack


def _text(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def _buttons(body: dict[str, Any]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in body["replies"] for b in reply["buttons"]}


def test_subscribe_list_unsubscribe_through_rasa(stack: Stack, runtime: Any) -> None:
    session = "web:subscriptions-rasa"
    subscribed = stack.chat(session, "订阅高企认定的政策")
    assert not subscribed.get("degraded")
    assert subscribed["intent"] == "subscribe", subscribed
    assert "已为您订阅“高企认定”" in _text(subscribed), _text(subscribed)
    projects = stack.chat(session, "有新的项目申报通知告诉我")
    assert "已为您订阅“科技项目申报”" in _text(projects), _text(projects)
    asked = stack.chat(session, "我想订阅政策更新")
    assert "哪类政策" in _text(asked), _text(asked)
    picked = stack.chat(session, _buttons(asked)["成果转化"])
    assert "已为您订阅“成果转化”" in _text(picked), _text(picked)
    assert runtime.subscriptions.topics_of(session) == ["high_tech", "projects", "transfer"]

    listed = stack.chat(session, "我订阅了什么")
    assert listed["intent"] == "list_subscriptions", listed
    assert "高企认定、科技项目申报、成果转化" in _text(listed), _text(listed)
    one = stack.chat(session, "退订成果转化")
    assert "已退订“成果转化”" in _text(one), _text(one)
    everything = stack.chat(session, "退订")
    assert "退订全部" in _text(everything), _text(everything)
    assert runtime.subscriptions.topics_of(session) == []
    assert runtime.subscriptions.topics_of("web:someone-else") == []
