"""Answer first and the direct path's intent rules: the same decisions on both paths."""

from __future__ import annotations

import pytest

from assistant import intent_rules
from assistant.routing import carries_question, may_answer_first


@pytest.mark.parametrize("text", [
    "窗口能不能提前预约啊 可以吗", "好差评怎么评", "审批太慢了 能不能快点",
    "谢谢，那技术合同去哪登记", "Can I apply for the high-tech certification online?",
])
def test_questions_carry_a_question(text: str) -> None:
    assert carries_question(text, "complain")


@pytest.mark.parametrize("text", [
    "再见", "谢谢", "好的谢谢啦", "非常满意", "差评", "你好 在吗", "/rate_service{\"rating\":\"5\"}",
    "审批太慢了三个月没人理",  # a complaint without a question
])
def test_small_talk_and_pure_complaints_carry_none(text: str) -> None:
    assert not carries_question(text, "complain")


def test_requests_for_a_person_and_policy_intents_are_never_overridden() -> None:
    assert not may_answer_first("高企认定需要满足哪些条件，转人工", "request_human")
    assert not may_answer_first("高企认定需要满足哪些条件", "ask_policy")  # answered anyway
    assert may_answer_first("高企认定需要满足哪些条件吗", "goodbye")


@pytest.mark.parametrize("text", [
    "转人工", "人工客服", "我要人工", "轉人工", "你答不了就帮我找区里的联系人", "请安排人联系我",
    "麻烦让负责的同志给我回个电话", "talk to a human please",
])
def test_direct_path_recognises_requests_for_a_person(text: str) -> None:
    assert intent_rules.wants_human(text)


@pytest.mark.parametrize("text", [
    "人工智能创新发展试验区有什么支持政策", "人工成本能算研发费用吗", "高企认定需要多久",
    "你们的客服中心在哪个区",
])
def test_direct_path_does_not_read_ordinary_words_as_a_request_for_a_person(text: str) -> None:
    assert not intent_rules.wants_human(text)


def test_direct_path_answers_a_question_that_mentions_robots(runtime) -> None:  # type: ignore[no-untyped-def]
    turn = runtime.assistant().respond("我们是做工业机器人的，高企认定需要满足哪些条件")
    assert turn.outcome == "answered" and turn.intent == "ask_policy"


def test_direct_path_still_says_it_is_a_bot_when_asked(runtime) -> None:  # type: ignore[no-untyped-def]
    turn = runtime.assistant().respond("你是机器人吗")
    assert turn.intent == "bot_challenge"


@pytest.mark.parametrize("text", [
    "人工", "人工人工", "要人工", "人工客服在吗", "找个真人", "跟真人说话", "真人客服呢", "转接真人 谢谢",
])
def test_person_words_as_a_request(text: str) -> None:
    assert intent_rules.wants_human(text)


@pytest.mark.parametrize("text", [
    "人工审核要多久", "我们做人工骨骼植入物，能报高企吗", "人工降雨设备研发有补贴吗",
    "真人秀拍摄场地", "数字真人主播技术算不算高新技术",
])
def test_person_words_inside_other_words_are_not_a_request(text: str) -> None:
    assert not intent_rules.wants_human(text)
