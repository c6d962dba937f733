"""Traditional characters and full-width forms reach the same intents as simplified text.

Rasa's NLU tokenises normalised text (bot/components/tokenizer.py), the way the app
normalises before retrieval, so a question typed in 繁體 is not taken for out_of_scope.
The file sorts before test_conversations.py, whose last test stops the session's Rasa
server on purpose.
"""

from __future__ import annotations

from tests.dialogue.conftest import Stack


def test_traditional_policy_question_is_answered(stack: Stack) -> None:
    body = stack.chat("t-trad-policy", "高企認定網上能辦嗎")
    assert body["degraded"] is False
    assert body["intent"] == "ask_policy"
    assert body["answer"] is not None


def test_traditional_liaison_question_finds_the_district(stack: Stack) -> None:
    body = stack.chat("t-trad-liaison", "東湖高新區的企業找誰？")
    assert body["degraded"] is False
    assert body["intent"] == "ask_liaison"
    text = " ".join(reply["text"] for reply in body["replies"])
    assert "东湖高新区" in text and "彭华魁" in text


def test_full_width_request_for_a_person_starts_the_handoff(stack: Stack) -> None:
    body = stack.chat("t-fullwidth-human", "我要轉人工，謝謝！")
    assert body["degraded"] is False
    assert body["intent"] == "request_human"
    assert len(body["replies"][-1]["buttons"]) == 14  # which district?
