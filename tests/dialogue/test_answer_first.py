"""Answer first and person-first through the real Rasa server: NLU's guess does not decide
alone (assistant/routing.py, action_answer_first, the knowledge action)."""

from __future__ import annotations

from tests.dialogue.conftest import Stack


def _text(body: dict) -> str:  # type: ignore[type-arg]
    return " ".join(reply["text"] for reply in body["replies"])


def test_a_bare_goodbye_stays_goodbye_and_invites_a_rating(stack: Stack) -> None:
    stack.chat("af-bye", "技术合同登记要多久")  # something to rate
    body = stack.chat("af-bye", "好的 再见")
    assert body["answer"] is None and body["intent"] == "goodbye"
    assert body["rating"] is not None, body  # action_ask_rating after utter_goodbye


def test_how_to_rate_is_answered_not_a_rating(stack: Stack) -> None:
    body = stack.chat("af-how-rate", "好差评怎么评价啊 在哪评")
    assert body["answer"] is not None, body
    assert body["answer"]["citations"][0]["doc_id"].startswith(("faq-hcp", "guide-haochaping",
                                                                "guide-window"))


def test_a_who_question_read_as_a_request_gets_the_liaison(stack: Stack) -> None:
    body = stack.chat("af-contact", "青山区 contact person?")
    assert "胡远" in _text(body)  # 青山区's contact, from the directory


def test_words_for_a_person_nlu_may_miss_still_start_the_form(stack: Stack) -> None:
    session = "af-kefu"
    first = stack.chat(session, "客服在吗")
    assert len(first["replies"][-1]["buttons"]) == 14, first  # the form asks for the district
    second = stack.chat(session, "关东街道")  # a street the gazetteer maps to 东湖高新区
    assert "公司" in second["replies"][-1]["text"]
    third = stack.chat(session, "武汉光子芯科技有限公司 13912345678")
    assert "东湖高新区" in third["replies"][-1]["text"]
    done = stack.chat(session, "/affirm")
    assert done["handoff"]["district"] == "东湖高新区"


def test_a_question_about_artificial_intelligence_is_not_a_request_for_a_person(
        stack: Stack) -> None:
    body = stack.chat("af-ai", "人工智能创新发展试验区 企业能申请啥支持")
    assert body["handoff"] is None
    assert not any(len(reply["buttons"]) == 14 for reply in body["replies"])


def test_a_choice_button_is_answered_through_rasa(stack: Stack) -> None:
    """猜你想问: the payload of a decline's choice reaches the knowledge action via Rasa."""
    body = stack.chat("af-choice", '/ask_policy{"chunk": "faq-gaoqi-conditions#1"}')
    assert not body.get("degraded"), body
    assert body["intent"] == "ask_policy" and body["answer"] is not None, body
    assert body["answer"]["confidence"] == 1.0
    assert body["answer"]["citations"][0]["doc_id"] == "faq-gaoqi-conditions"
