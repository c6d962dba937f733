"""Custom actions served to the Rasa server: the webhook protocol, auth, and each action."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from api.actions.handoff_form import ValidateHandoffForm, clean_company, normalize_phone

TOKEN = {"Authorization": "Bearer test-rasa-token"}


def tracker_json(text: str, intent: str = "ask_policy", slots: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    return {
        "sender_id": "web-123", "slots": slots or {}, "events": [], "paused": False,
        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.93},
                           "entities": []},
    }


def action_call(action: str, text: str, **kwargs: Any) -> dict[str, Any]:
    return {"next_action": action, "sender_id": "web-123", "version": "3.6.21",
            "tracker": tracker_json(text, **kwargs), "domain": {}}


def custom_payload(responses: list[dict[str, Any]]) -> dict[str, Any]:
    (payload,) = [r["custom"]["dxe"] for r in responses if r.get("custom")]
    return payload


def test_knowledge_action_answers_with_citations(client: TestClient) -> None:
    response = client.post("/webhook/actions", headers=TOKEN,
                           json=action_call("action_answer_from_knowledge", "高企 网上能办不"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events"] == []
    texts = [r["text"] for r in body["responses"] if r.get("text")]
    assert "全程网办" in texts[0]
    payload = custom_payload(body["responses"])
    assert payload["intent"] == "ask_policy" and payload["outcome"] == "answered"
    assert payload["answer"]["citations"][0]["section"].startswith("（八）")


def test_knowledge_action_declines_out_of_scope(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_from_knowledge", "个税汇算清缴怎么弄",
                                        intent="out_of_scope")).json()
    payload = custom_payload(body["responses"])
    assert payload["answer"] is None and payload["outcome"] == "referred"
    assert any("12366" in (r.get("text") or "") for r in body["responses"])


def test_liaison_action_uses_aliases_and_leaders(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "光谷的企业找谁",
                                        intent="ask_liaison")).json()
    assert "彭华魁" in body["responses"][0]["text"]
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "赵峰副局长负责哪些区",
                                        intent="ask_liaison")).json()
    assert "武汉开发区" in body["responses"][0]["text"]
    assert "江夏区" in body["responses"][0]["text"]


def test_liaison_action_takes_the_district_slot_when_the_text_names_none(
        client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "我们这边的联系人是谁",
                                        intent="ask_liaison",
                                        slots={"district": "江夏区"})).json()
    assert "郭峰" in body["responses"][0]["text"]  # 江夏区's contact, from the slot
    assert not body["responses"][0]["buttons"]


def test_liaison_action_prefers_the_place_named_over_the_slot(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "那车谷的联系人呢",
                                        intent="ask_liaison",
                                        slots={"district": "江夏区"})).json()
    assert "程乐学" in body["responses"][0]["text"] and "郭峰" not in body["responses"][0]["text"]


def test_liaison_action_asks_for_the_district_when_nothing_names_one(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "我们这边的联系人是谁",
                                        intent="ask_liaison")).json()
    assert len(body["responses"][0]["buttons"]) == 14  # asks which district


def test_liaison_action_answers_a_policy_question_nlu_took_for_a_liaison_one(
        client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_lookup_liaison", "高企认定需要满足哪些条件呢",
                                        intent="ask_liaison")).json()
    payload = custom_payload(body["responses"])
    assert payload["outcome"] == "answered" and payload["intent"] == "ask_policy"
    assert payload["answer"]["citations"][0]["doc_id"] in {"faq-gaoqi-conditions", "guide-gaoqi"}


@pytest.mark.parametrize(("intent", "text"), [
    ("goodbye", "高企认定需要满足哪些条件呢"), ("complain", "都等了好久了，高企认定到底要满足哪些条件啊"),
    ("thanks", "谢谢，那高企认定需要满足哪些条件"), ("bot_challenge", "高企认定需要满足哪些条件，机器人知道吗"),
])
def test_answer_first_answers_questions_given_a_small_talk_intent(
        client: TestClient, intent: str, text: str) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_first", text, intent=intent)).json()
    assert body["events"] == [{"event": "slot", "name": "answered_first", "value": True,
                               "timestamp": None}]
    payload = custom_payload(body["responses"])
    assert payload["outcome"] == "answered" and payload["answer"]["citations"]
    buttons = [b["title"] for r in body["responses"] for b in r.get("buttons") or []]
    assert "转人工" in buttons  # the offer of a person stays


@pytest.mark.parametrize(("intent", "text"), [
    ("goodbye", "好的再见"), ("thanks", "谢谢啦"), ("greet", "你好 在吗"),
    ("complain", "窗口工作人员态度太差了"),  # a complaint that asks nothing wants a person
    ("request_human", "高企认定需要满足哪些条件，转人工"),  # never from the knowledge base
    ("request_human", "帮我联系青山区的对接人，转人工"),  # asks to be put through
    ("goodbye", "今天天气怎么样呢"),  # a question the knowledge base does not answer
])
def test_answer_first_leaves_small_talk_and_requests_for_a_person_alone(
        client: TestClient, intent: str, text: str) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_first", text, intent=intent)).json()
    assert body["events"] == [{"event": "slot", "name": "answered_first", "value": False,
                               "timestamp": None}]
    assert body["responses"] == []


def test_answer_first_gives_the_liaison_to_a_who_question_read_as_a_request(
        client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_first", "青山区 contact person?",
                                        intent="request_human")).json()
    assert body["events"][0]["value"] is True
    assert "胡远" in body["responses"][0]["text"]  # 青山区's contact (发促中心)


def test_knowledge_action_answers_liaison_questions_from_the_directory(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_from_knowledge", "关东街道 负责部门是哪个",
                                        intent="ask_policy")).json()
    payload = custom_payload(body["responses"])
    assert payload["outcome"] == "liaison"
    assert payload["answer"]["citations"][0]["snippet"].startswith("东湖高新区：")


def test_rating_action_answers_how_to_rate_instead_of_showing_buttons(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_rate_service", "好差评怎么评价呀",
                                        intent="rate_service")).json()
    payload = custom_payload(body["responses"])
    assert payload["outcome"] == "answered"
    assert payload["answer"]["citations"][0]["doc_id"] in {"faq-hcp-how", "guide-haochaping"}


def test_rating_action_without_a_level_shows_the_five_buttons(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_rate_service", "我要评价",
                                        intent="rate_service")).json()
    assert len(body["responses"][0]["buttons"]) == 5


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "test-rasa-token"}])
def test_calls_without_the_token_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/webhook/actions", headers=headers,
                           json=action_call("action_answer_from_knowledge", "高企"))
    assert response.status_code == 403


def test_unknown_action_is_404_and_malformed_call_is_400(client: TestClient) -> None:
    response = client.post("/webhook/actions", headers=TOKEN,
                           json=action_call("action_does_not_exist", "高企"))
    assert response.status_code == 404
    assert response.json()["action_name"] == "action_does_not_exist"
    assert client.post("/webhook/actions", headers=TOKEN, content=b"{oops").status_code == 400
    assert client.post("/webhook/actions", headers=TOKEN, json={"x": 1}).status_code == 400


@pytest.fixture
def form(runtime) -> ValidateHandoffForm:  # type: ignore[no-untyped-def]
    return ValidateHandoffForm(runtime)


def _tracker() -> Tracker:
    return Tracker.from_dict(tracker_json("", intent="provide_info"))


@pytest.mark.parametrize(("value", "district"), [
    ("光谷", "东湖高新区"), ("汉南区", "武汉开发区"), ("我们在东西湖", "临空港开发区"),
    ("江夏区", "江夏区"),
])
def test_form_accepts_districts_by_alias(form: ValidateHandoffForm, value: str,
                                         district: str) -> None:
    dispatcher = CollectingDispatcher()
    assert form.validate_district(value, dispatcher, _tracker(), {}) == \
        {"district": district, "handoff_error": None}


def test_form_asks_again_for_an_unknown_district(form: ValidateHandoffForm) -> None:
    result = form.validate_district("沙市", CollectingDispatcher(), _tracker(), {})
    assert result == {"district": None, "handoff_error": "unknown_district"}


@pytest.mark.parametrize(("value", "phone"), [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"),
    ("+86 139-1234-5678", "13912345678"), ("027-87654321", "02787654321"),
    ("武汉星河科技有限公司，电话13912345678", "13912345678"),
    ("1391234567", None), ("12345678901", None), ("电话还没想好", None),
])
def test_phone_numbers_are_recognised_or_rejected(value: str, phone: str | None) -> None:
    assert normalize_phone(value) == phone


def test_form_rejects_a_malformed_phone_politely(form: ValidateHandoffForm) -> None:
    assert form.validate_phone("12345", CollectingDispatcher(), _tracker(), {}) == \
        {"phone": None, "handoff_error": "invalid_phone"}


@pytest.mark.parametrize(("value", "company"), [
    ("武汉星河科技有限公司", "武汉星河科技有限公司"),
    ("武汉星河科技有限公司，电话13912345678", "武汉星河科技有限公司"),
    ("12345", None), ("？", None),
])
def test_company_names_are_cleaned_or_rejected(value: str, company: str | None) -> None:
    assert clean_company(value) == company


def test_create_ticket_action_routes_to_the_district_liaison(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    from hotline.tickets.models import Ticket

    call = action_call("action_create_ticket", "是的", intent="affirm",
                       slots={"district": "东湖高新区", "company": "武汉星河科技有限公司",
                              "phone": "13912345678"})
    call["tracker"]["events"] = [
        {"event": "user", "text": "我们的高企认定材料被退回了，不知道哪里不对",
         "parse_data": {"intent": {"name": "ask_policy"}}},
        {"event": "user", "text": "我要转人工", "parse_data": {"intent": {"name": "request_human"}}},
    ]
    body = client.post("/webhook/actions", headers=TOKEN, json=call).json()
    handoff = custom_payload(body["responses"])["handoff"]
    assert (handoff["district"], handoff["leader"], handoff["department"], handoff["contact"]) == \
        ("东湖高新区", "胡军", "高新处", "彭华魁")
    assert handoff["status"] == "assigned" and handoff["ticket_id"].startswith("DXE")
    assert handoff["ticket_id"] in body["responses"][0]["text"]
    card = custom_payload(body["responses"])["tickets"][0]
    assert card["ticket_id"] == handoff["ticket_id"] and card["owner"] == "彭华魁"
    with runtime.sessions() as session:
        ticket = session.get(Ticket, handoff["ticket_id"])
        assert [event.action for event in ticket.events] == ["create"]
        assert "我们的高企认定材料被退回了" in ticket.excerpt
    assert ticket.question == "我们的高企认定材料被退回了，不知道哪里不对"
    assert ticket.first_owner == "店小二热线" and ticket.owner == "彭华魁"
    assert {e["name"] for e in body["events"]} == {"district", "company", "phone", "handoff_error"}


def test_ticket_without_a_known_district_goes_to_triage(client: TestClient) -> None:
    call = action_call("action_create_ticket", "是的", intent="affirm",
                       slots={"district": None, "company": "某公司", "phone": "13912345678"})
    handoff = custom_payload(client.post("/webhook/actions", headers=TOKEN,
                                         json=call).json()["responses"])["handoff"]
    assert handoff["district"] is None and handoff["status"] == "new"


@pytest.mark.parametrize(("action", "intent", "text"), [
    ("action_answer_first", "greet", "客服在吗"),
    ("action_answer_first", "thanks", "轉接真人 謝謝"),
    ("action_answer_from_knowledge", "ask_policy", "怎么才能跟真人说上话"),
    ("action_answer_from_knowledge", "nlu_fallback", "rengong"),
])
def test_a_request_for_a_person_nlu_missed_starts_the_handoff_form(
        client: TestClient, action: str, intent: str, text: str) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call(action, text, intent=intent)).json()
    assert {"event": "followup", "name": "handoff_form", "timestamp": None} in body["events"]
    assert body["responses"] == []


def test_a_policy_question_about_ai_does_not_start_the_form(client: TestClient) -> None:
    body = client.post("/webhook/actions", headers=TOKEN,
                       json=action_call("action_answer_from_knowledge",
                                        "人工智能创新发展试验区有哪些支持政策", intent="ask_policy")).json()
    assert all(event.get("event") != "followup" for event in body["events"])


@pytest.mark.parametrize(("beijing", "promise"), [
    (datetime(2026, 12, 1, 20, 30), "12月2日（周三）"),  # Tuesday evening → Wednesday
    (datetime(2026, 12, 4, 18, 0), "12月7日（周一）"),  # Friday evening → Monday
    (datetime(2026, 12, 2, 10, 0), None),  # Wednesday morning: a person is there
])
def test_a_ticket_opened_out_of_hours_promises_the_next_working_days_call_back(  # type: ignore[no-untyped-def]
        client: TestClient, runtime, beijing: datetime, promise: str | None) -> None:
    from tests.clock import Clock

    previous = runtime.tickets.clock
    runtime.tickets.clock = Clock(beijing.replace(tzinfo=ZoneInfo("Asia/Shanghai")))
    try:
        call = action_call("action_create_ticket", "是的", intent="affirm",
                           slots={"district": "江夏区", "company": "武汉星河科技有限公司",
                                  "phone": "13912345678"})
        text = client.post("/webhook/actions", headers=TOKEN, json=call).json()[
            "responses"][0]["text"]
    finally:
        runtime.tickets.clock = previous
    if promise is None:
        assert "非工作时间" not in text
    else:
        assert "非工作时间" in text and f"将于{promise}工作时间内与您联系" in text
    assert "专线" not in text  # DXE_SERVICE_LINE_PHONE is unset: no number is made up
