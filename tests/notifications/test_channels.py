"""Enterprises on a registered channel (WeChat) are told there too, through its sender."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.notifications.conftest import Stack, question
from tests.notifications.helpers import Sender


def test_wechat_enterprises_hear_through_the_wechat_sender(
        make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    sender = Sender()
    stack.notifications.register_channel("wechat", sender)
    wechat = stack.tickets.open(question(channel="wechat", session_id="wx:o6_bmjrPTlm6"))
    stack.tickets.open(question(channel="web", session_id="web-abc123"))
    stack.tickets.act(wechat.id, "contact", "彭华魁")
    stack.notifications.worker.run_once()

    assert [session for session, _ in sender.sent] == ["wx:o6_bmjrPTlm6"] * 2
    assert "包区联系人彭华魁" in sender.sent[0][1] and wechat.id in sender.sent[0][1]
    assert "正在办理" in sender.sent[1][1]
    assert stack.notifications.outbox.counts() == {"pending": 0, "sent": 2, "failed": 0}


def test_a_refused_message_is_retried(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    sender = Sender(accept=False)  # e.g. outside WeChat's 48-hour window
    stack.notifications.register_channel("wechat", sender)
    stack.tickets.open(question(channel="wechat", session_id="wx:o6_bmjrPTlm6"))
    stack.notifications.worker.run_once()
    assert stack.notifications.outbox.counts()["pending"] == 1
    sender.accept = True
    stack.clock.advance(minutes=1)
    stack.notifications.worker.run_once()
    assert stack.notifications.outbox.counts() == {"pending": 0, "sent": 1, "failed": 0}
    assert len(sender.sent) == 2


def test_a_sender_needs_a_notify_method(make_stack: Callable[..., Stack]) -> None:
    with pytest.raises(TypeError):
        make_stack().notifications.register_channel("wechat", object())  # type: ignore[arg-type]
