"""Registry questions in chat: through the Rasa action endpoint and the direct (degraded)
path alike, from the registry runtime's imported fixture data; and, on the shared runtime
whose registries are empty as shipped, the honest "not imported yet"."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.registries.answers import GENERATED_NOTE, pick_payload
from tests.api.test_actions import TOKEN, action_call, custom_payload
from tests.registries.conftest import SOURCE, fixture_bytes
from tests.sessions import new_session


@pytest.fixture(scope="module")
def imported(registry_client: Any, keys: Any) -> None:
    """The generated high-tech list and 特派员 list, active in the registry runtime."""
    for kind, name in (("hightech", "hightech.xlsx"), ("commissioner", "commissioners.xlsx")):
        created = registry_client.post("/api/admin/registries/imports", headers=keys["admin"],
                                       json={"kind": kind, "filename": name, "source": SOURCE,
                                             "published_on": "2024-12-20",
                                             "content_base64": base64.b64encode(
                                                 fixture_bytes(name)).decode()})
        assert created.status_code == 201, created.text
        version = created.json()["version"]["id"]
        activated = registry_client.post(f"/api/admin/registries/versions/{version}/activate",
                                         headers=keys["admin"])
        assert activated.status_code == 200, activated.text


def _action(client: Any, text: str, intent: str = "ask_registry") -> tuple[list[dict[str, Any]],
                                                                           dict[str, Any]]:
    # the token the runtime expects now (tests/dialogue's session stack swaps in its own)
    token = {"Authorization": f"Bearer {client.app.state.runtime.settings.RASA_TOKEN}"}
    response = client.post("/webhook/actions", headers=token,
                           json=action_call("action_lookup_registry", text, intent=intent))
    assert response.status_code == 200, response.text
    responses = response.json()["responses"]
    return [r for r in responses if r.get("text")], custom_payload(responses)


def test_the_action_answers_a_company_from_the_registry(registry_client: Any,
                                                        imported: None) -> None:
    texts, payload = _action(registry_client, "武汉光谷芯材科技有限公司是不是高新技术企业？")
    assert payload["intent"] == "ask_registry" and payload["outcome"] == "registry"
    assert "GR202342000101" in texts[0]["text"] and GENERATED_NOTE in texts[0]["text"]
    assert payload["answer"]["citations"][0]["doc_id"] == "registry:hightech"


def test_the_action_offers_similar_companies_as_buttons(registry_client: Any,
                                                        imported: None) -> None:
    texts, _ = _action(registry_client, "光谷芯材是高企吗")
    buttons = texts[-1]["buttons"]
    assert {b["title"] for b in buttons} == {"武汉光谷芯材科技有限公司", "武汉光谷芯材生物科技有限公司"}
    assert pick_payload("武汉光谷芯材科技有限公司") in {b["payload"] for b in buttons}
    texts, payload = _action(registry_client, pick_payload("武汉光谷芯材生物科技有限公司"))
    assert "GR202342000102" in texts[0]["text"]


def test_the_action_says_not_found_plainly(registry_client: Any, imported: None) -> None:
    texts, payload = _action(registry_client, "武汉长江航运物流有限公司是高企吗")
    assert texts[0]["text"].startswith("登记信息中没有找到“武汉长江航运物流有限公司”，以官方公布为准")
    assert payload["answer"] is None


def test_a_policy_question_nlu_sent_here_is_answered_from_the_knowledge_base(
        registry_client: Any, imported: None) -> None:
    _texts, payload = _action(registry_client, "高企认定需要什么条件")
    assert payload["intent"] in ("ask_policy", "out_of_scope")
    assert payload["outcome"] != "registry"


def test_the_knowledge_action_answers_a_certificate_number_too(registry_client: Any,
                                                               imported: None) -> None:
    response = registry_client.post("/webhook/actions", headers=TOKEN, json=action_call(
        "action_answer_from_knowledge", "证书号 GR202142000333 还有效吗"))
    payload = custom_payload(response.json()["responses"])
    assert payload["outcome"] == "registry"


def test_the_direct_path_answers_the_same(registry_client: Any, imported: None) -> None:
    session = new_session(registry_client)
    response = registry_client.post("/api/chat", json={
        "session_id": session, "text": "查一下做光电方向的科技特派员"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["degraded"] and body["intent"] == "ask_registry"
    assert "张光明（虚构）" in body["replies"][0]["text"]
    assert "以官方公布为准" in body["replies"][0]["text"]


def test_empty_registries_as_shipped_say_not_imported(client: TestClient) -> None:
    """The shared runtime has no registry imported: the answer invents nothing."""
    texts, payload = _action(client, "武汉光谷芯材科技有限公司是不是高新技术企业")
    assert payload["outcome"] == "registry" and payload["answer"] is None
    assert "高新技术企业名单还没有导入本系统" in texts[0]["text"]
    assert "鄂汇办“高新技术企业信息查询”" in texts[0]["text"]
    session = new_session(client)
    body = client.post("/api/chat", json={"session_id": session,
                                          "text": "东湖高新区有哪些国家级孵化器？"}).json()
    assert "还没有导入本系统" in body["replies"][0]["text"]
    assert "国家科技企业孵化器信息查询" in body["replies"][0]["text"]
