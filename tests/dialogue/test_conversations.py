"""Multi-turn conversations through the real Rasa server, the real actions and the real index."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.dialogue.conftest import Stack
from tests.stack import running_stack

if TYPE_CHECKING:
    from api.runtime import Runtime
    from hotline.settings import Settings


def test_greeting_goes_through_rasa(stack: Stack) -> None:
    body = stack.chat("t-greet", "你好")
    assert body["degraded"] is False
    assert body["intent"] == "greet"
    assert body["replies"][0]["text"]


def test_policy_question_is_answered_with_its_clause(stack: Stack) -> None:
    body = stack.chat("t-policy", "高企 网上能办不")
    assert body["degraded"] is False and body["intent"] == "ask_policy"
    assert body["answer"]["citations"][0]["section"].startswith("（八）")


def test_liaison_question_by_alias(stack: Stack) -> None:
    body = stack.chat("t-liaison", "光谷的企业找谁？")
    assert body["degraded"] is False
    text = " ".join(reply["text"] for reply in body["replies"])
    assert "东湖高新区" in text and "彭华魁" in text


def test_out_of_scope_is_declined(stack: Stack) -> None:
    body = stack.chat("t-oos", "个税汇算清缴怎么弄")
    assert body["degraded"] is False and body["answer"] is None


def test_handoff_form_with_an_alias_creates_a_ticket_for_the_liaison(stack: Stack) -> None:
    session = "t-handoff"
    first = stack.chat(session, "我要转人工")
    assert len(first["replies"][-1]["buttons"]) == 14  # which district?
    second = stack.chat(session, "光谷")
    assert "公司" in second["replies"][-1]["text"]
    third = stack.chat(session, "武汉星河科技有限公司，电话13912345678")
    confirm = third["replies"][-1]
    assert "东湖高新区" in confirm["text"] and "13912345678" in confirm["text"]
    done = stack.chat(session, "/affirm")
    handoff = done["handoff"]
    assert handoff is not None
    assert (handoff["district"], handoff["leader"], handoff["department"], handoff["contact"]) \
        == ("东湖高新区", "胡军", "高新处", "彭华魁")
    assert handoff["status"] == "assigned" and handoff["due_at"]


def test_form_rejects_a_bad_phone_and_survives_a_question(stack: Stack) -> None:
    session = "t-interrupt"
    stack.chat(session, "转人工")
    stack.chat(session, "江夏区")
    asked = stack.chat(session, "高企认定需要满足哪些条件？")  # a question in the middle
    assert asked["answer"] is not None
    resumed_text = asked["replies"][-1]["text"]
    assert "公司" in resumed_text  # the form asks for the company again
    stack.chat(session, "武汉测试科技有限公司")
    bad = stack.chat(session, "12345")
    assert "号码" in bad["replies"][-1]["text"]
    good = stack.chat(session, "027-87654321")
    assert "江夏区" in good["replies"][-1]["text"]


def test_status_and_rating_of_a_resolved_ticket_through_rasa(stack: Stack, runtime) -> None:  # type: ignore[no-untyped-def]
    session = "t-status"
    stack.chat(session, "人才公寓怎么申请")
    stack.chat(session, "转人工")
    stack.chat(session, "车谷")
    stack.chat(session, "武汉车联智造有限公司，13588886666")
    ticket_id = stack.chat(session, "/affirm")["handoff"]["ticket_id"]
    status = stack.chat(session, "我的工单进度")
    assert status["intent"] == "ask_ticket_status" and status["degraded"] is False
    assert [card["ticket_id"] for card in status["tickets"]] == [ticket_id]
    assert status["tickets"][0]["owner"] == "程乐学"

    runtime.tickets.act(ticket_id, "contact", "程乐学")
    runtime.tickets.act(ticket_id, "resolve", "程乐学", resolution="已说明申请渠道")
    resolved = stack.chat(session, "工单到哪了")
    assert resolved["rating"]["ticket_id"] == ticket_id
    payload = resolved["replies"][-1]["buttons"][1]["payload"]  # 满意, with the ticket id
    rated = stack.chat(session, payload)
    assert "满意" in rated["replies"][0]["text"]
    assert runtime.tickets.get(ticket_id).status == "rated"


def test_goodbye_invites_one_rating_of_the_conversation(stack: Stack) -> None:
    session = "t-bye"
    stack.chat(session, "高企 网上能办不")
    bye = stack.chat(session, "好的，再见")
    assert bye["rating"] is not None and bye["rating"]["ticket_id"] is None
    rated = stack.chat(session, "非常满意")
    assert rated["intent"] == "rate_service" and "非常满意" in rated["replies"][0]["text"]
    again = stack.chat(session, "再见")
    assert again["rating"] is None  # 一次一评


def test_when_rasa_stops_chat_is_degraded_but_working(
        runtime: Runtime, test_settings: Settings,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # its own app + Rasa pair: stopping it leaves the session's `stack` to the other tests
    with running_stack(runtime, test_settings, tmp_path_factory) as own:
        assert own.chat("t-down", "你好")["degraded"] is False
        own.rasa.terminate()
        own.rasa.wait(timeout=30)
        body = own.chat("t-down", "光谷的企业找谁？")
        assert body["degraded"] is True and "彭华魁" in body["replies"][0]["text"]
        health = own.http.get("/api/health").json()
        assert health["components"]["dialogue"]["status"] == "degraded"
