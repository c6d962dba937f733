"""The chat contract over the real app: answers with citations, honest declines, liaisons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.sessions import internal_id, new_session

if TYPE_CHECKING:
    from api.runtime import Runtime

CONTRACT_KEYS = {"session_id", "replies", "intent", "answer", "handoff"}


def chat(client: TestClient, text: str, session_id: str | None = None) -> dict[str, Any]:
    session_id = session_id or new_session(client)
    response = client.post("/api/chat", json={"session_id": session_id, "text": text,
                                              "channel": "web"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert body["session_id"] == session_id
    assert body["replies"] and all({"text", "buttons"} <= set(r) for r in body["replies"])
    return body


def test_notice_question_is_answered_citing_its_clause(client: TestClient) -> None:
    body = chat(client, "高企 网上能办不")
    answer = body["answer"]
    assert answer is not None and 0.5 <= answer["confidence"] <= 1
    first = answer["citations"][0]
    assert first["section"].startswith("（八）优化高企认定服务流程")
    assert first["doc_number"] == "武科函〔2021〕10号"
    # the clause itself, or the FAQ written on it (which cites the same clause)
    assert first["doc_id"] == "notice-wukehan-2021-10" or first["doc_id"].startswith("faq-")
    assert set(first) == {"doc_id", "title", "doc_number", "section", "snippet", "score"}
    assert "全程网办" in body["replies"][0]["text"]
    assert body["intent"] == "ask_policy"


def test_faq_paraphrase_is_answered_verbatim(client: TestClient, knowledge) -> None:  # type: ignore[no-untyped-def]
    body = chat(client, "高企能不能网上申报")
    faq = knowledge.chunk("faq-gaoqi-online#1")
    assert body["replies"][0]["text"] == faq.answer
    assert body["answer"]["citations"][0]["doc_id"] == "faq-gaoqi-online"


def test_out_of_scope_question_is_declined_and_referred(client: TestClient) -> None:
    body = chat(client, "个税汇算清缴怎么弄")
    assert body["answer"] is None
    assert "12366" in body["replies"][0]["text"]
    assert body["intent"] == "out_of_scope"


def test_uncovered_question_is_declined_with_a_handoff_offer(client: TestClient) -> None:
    body = chat(client, "明年全市科技经费总预算是多少亿")
    assert body["answer"] is None
    assert "没有找到可靠的答案" in body["replies"][0]["text"]
    buttons = body["replies"][-1]["buttons"]
    assert {"title": "转人工", "payload": "/request_human"} in buttons


@pytest.mark.parametrize(("text", "district", "leader", "department", "contact"), [
    ("光谷的企业找谁？", "东湖高新区", "胡军", "高新处", "彭华魁"),
    ("我们在车谷，有事联系谁", "武汉开发区", "赵峰", "成果处", "程乐学"),
    ("东西湖区的包区联系人", "临空港开发区", "刘红", "平台处", "刘维华"),
    ("江夏", "江夏区", "赵峰", "企业中心", "郭峰"),
])
def test_liaison_questions_name_leader_department_and_contact(
        client: TestClient, text: str, district: str, leader: str, department: str,
        contact: str) -> None:
    body = chat(client, text)
    reply = body["replies"][0]["text"]
    assert all(part in reply for part in (district, leader, department, contact))
    assert body["intent"] == "ask_liaison"
    citation = body["answer"]["citations"][0]
    assert citation["doc_number"] == "武科函〔2021〕10号" and district in citation["snippet"]


def test_leader_question_lists_their_districts(client: TestClient) -> None:
    body = chat(client, "胡军副局长负责哪些区？")
    reply = body["replies"][0]["text"]
    assert "东湖高新区" in reply and "汉阳区" in reply and "江夏区" not in reply


def test_liaison_question_without_a_place_offers_the_districts(client: TestClient) -> None:
    body = chat(client, "我想找我们区的包区联系人")
    buttons = body["replies"][-1]["buttons"]
    assert len(buttons) == 14 and buttons[0] == {"title": "东湖高新区", "payload": "东湖高新区"}


def test_greeting_is_answered_without_retrieval(client: TestClient) -> None:
    body = chat(client, "你好")
    assert body["intent"] == "greet" and body["answer"] is None


MARKUP = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>揭榜挂帅</b>项目什么时候申报'


def test_user_text_shown_back_on_the_ticket_is_the_literal_string(client: TestClient,
                                                                  runtime: Runtime) -> None:
    """The enterprise's own words come back on its ticket card and in the staff view.

    They are data, not markup: the JSON carries exactly what was typed (neither stripped of
    tags nor HTML-escaped), and the chat page puts it on the card with ``textContent``
    (api/web/static/chat.js ``renderTicket`` → ``el``; tests/web/test_page.py checks the
    script has no HTML sink, tests/web/test_browser.py shows markup as text in Chromium).
    """
    from hotline.security.accounts import create_staff

    session = new_session(client)
    chat(client, MARKUP, session_id=session)
    done = chat(client, "转人工，我们是武汉云帆智能有限公司 13712340009，在江夏", session_id=session)
    ticket_id = done["handoff"]["ticket_id"]
    assert done["tickets"][0]["question"] == MARKUP

    listed = client.get("/api/tickets", params={"session_id": session})
    assert listed.headers["content-type"].startswith("application/json")
    assert [card["question"] for card in listed.json()["tickets"]] == [MARKUP]
    assert "&lt;" not in listed.text

    _member, key = create_staff(runtime.sessions, "热线-标记检查")
    detail = client.get(f"/api/staff/tickets/{ticket_id}",
                        headers={"Authorization": f"Bearer {key}"}).json()
    assert detail["question"] == MARKUP
    assert detail["excerpt"].splitlines()[0] == f"企业：{MARKUP}"


def test_every_turn_is_recorded_with_its_outcome(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.conversations.models import ChatTurn

    credential = new_session(client)
    chat(client, "今天武汉天气怎么样", session_id=credential)
    chat(client, "高企 网上能办不", session_id=credential)
    stored = internal_id(runtime, credential)  # turns are stored under the id, not the credential
    assert stored.startswith("web:") and stored != credential
    with runtime.sessions() as session:
        turns = session.scalars(select(ChatTurn).where(ChatTurn.session_id == stored)
                                .order_by(ChatTurn.id)).all()
    assert [(t.text, t.outcome) for t in turns] == [("今天武汉天气怎么样", "referred"),
                                                   ("高企 网上能办不", "answered")]
    assert turns[1].top_section.startswith("（八）") and turns[1].channel == "web"
