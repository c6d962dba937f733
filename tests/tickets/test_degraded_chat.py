"""With the dialogue server down, a handoff still creates a ticket; status and ratings work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from tests.sessions import new_session

if TYPE_CHECKING:
    from api.runtime import Runtime


def chat(client: TestClient, session_id: str, text: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"session_id": session_id, "text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["degraded"] is True  # the test app runs without Rasa
    return body


def test_degraded_handoff_collects_contact_then_opens_the_ticket(client: TestClient) -> None:
    session = new_session(client)
    chat(client, session, "揭榜挂帅项目今年什么时候开始申报")
    asked = chat(client, session, "我要转人工")
    assert "联系电话" in asked["replies"][0]["text"] and asked["handoff"] is None
    still = chat(client, session, "光谷")
    assert "联系电话" in still["replies"][0]["text"] and "所在的区" not in still["replies"][0]["text"]
    done = chat(client, session, "武汉星河科技有限公司，电话13912340001")
    handoff = done["handoff"]
    assert (handoff["district"], handoff["contact"], handoff["leader"]) == \
        ("东湖高新区", "彭华魁", "胡军")
    assert handoff["ticket_id"] in done["replies"][0]["text"]
    card = done["tickets"][0]
    assert card["ticket_id"] == handoff["ticket_id"] and card["question"].startswith("揭榜挂帅")

    status = chat(client, session, "我的工单进度")
    assert [c["ticket_id"] for c in status["tickets"]] == [handoff["ticket_id"]]
    assert "彭华魁" in status["replies"][0]["text"]


def test_degraded_handoff_in_one_message_and_rating_after_resolution(client: TestClient,
                                                                     runtime: Runtime) -> None:
    session = new_session(client)
    done = chat(client, session, "转人工，我们是武汉云帆智能有限公司 13712340002，在江夏")
    ticket_id = done["handoff"]["ticket_id"]
    assert done["handoff"]["district"] == "江夏区"
    runtime.tickets.act(ticket_id, "contact", "联系人")
    runtime.tickets.act(ticket_id, "resolve", "联系人", resolution="已答复")
    status = chat(client, session, "查一下我的工单")
    assert status["rating"]["ticket_id"] == ticket_id
    assert [b["title"] for b in status["replies"][-1]["buttons"]][0] == "非常满意"
    payload = status["replies"][-1]["buttons"][1]["payload"]  # 满意
    rated = chat(client, session, payload)
    assert "满意" in rated["replies"][0]["text"]
    assert runtime.tickets.get(ticket_id).status == "rated"
    again = chat(client, session, payload)
    assert "已经评价" in again["replies"][0]["text"]


def test_a_question_after_asking_for_a_person_is_still_answered(client: TestClient) -> None:
    session = new_session(client)
    chat(client, session, "转人工")
    answered = chat(client, session, "高企 网上能办不")
    assert answered["answer"] is not None and answered["handoff"] is None


def test_out_of_hours_the_degraded_handoff_promises_the_call_back_day(client: TestClient,
                                                                      runtime: Runtime) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.clock import Clock

    previous = runtime.tickets.clock
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    runtime.tickets.clock = Clock(saturday)
    try:
        done = chat(client, new_session(client), "转人工，武汉云帆智能有限公司 13712340003，在江夏")
    finally:
        runtime.tickets.clock = previous
    text = done["replies"][0]["text"]
    assert done["handoff"]["ticket_id"] in text
    assert "非工作时间" in text and "12月7日（周一）" in text
