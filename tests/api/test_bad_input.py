"""Bad input gets a clear 4xx with a message, never a 500, and never reaches the assistant."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sessions import new_session

VALID = {"session_id": "s1", "text": "高企认定", "channel": "web"}  # well-formed, not issued


@pytest.fixture
def valid(client: TestClient) -> dict[str, Any]:
    """A request with a credential the server issued."""
    return {**VALID, "session_id": new_session(client)}


@pytest.mark.parametrize(("body", "fragment"), [
    ({**VALID, "text": ""}, "消息内容"),
    ({**VALID, "text": "   \n "}, "不能为空"),
    ({**VALID, "text": "高" * 1001}, "过长"),
    ({**VALID, "text": "高企\x00认定"}, "控制字符"),
    ({**VALID, "text": 123}, "格式不对"),
    ({**VALID, "text": ["高企"]}, "格式不对"),
    ({**VALID, "text": None}, "格式不对"),
    ({"session_id": "s1"}, "缺少消息内容"),
    ({**VALID, "session_id": ""}, "会话编号"),
    ({**VALID, "session_id": "has space"}, "会话编号"),
    ({**VALID, "session_id": "x" * 201}, "会话编号"),
    ({**VALID, "channel": "telegram"}, "渠道"),
])
def test_invalid_chat_requests_get_a_clear_422(client: TestClient, body: dict[str, Any],
                                               fragment: str) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["message"]


def test_malformed_json_gets_a_422(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["message"]


def test_wrong_method_and_path_are_4xx(client: TestClient) -> None:
    assert client.get("/api/chat").status_code == 405
    assert client.post("/api/nothing", json=VALID).status_code == 404


def test_longest_allowed_message_is_answered(client: TestClient, valid: dict[str, Any]) -> None:
    text = ("我们公司在光谷，做光电子的，去年营收两千万，研发投入挺多的，" * 40)[:1000]
    response = client.post("/api/chat", json={**valid, "text": text})
    assert response.status_code == 200
    assert response.json()["replies"][0]["text"]


def test_tabs_and_newlines_are_allowed(client: TestClient, valid: dict[str, Any]) -> None:
    response = client.post("/api/chat", json={**valid, "text": "光谷\n的企业\t找谁"})
    assert response.status_code == 200
    assert "东湖高新区" in response.json()["replies"][0]["text"]


@pytest.mark.parametrize("body", [
    {"question": "", "k": 3},
    {"question": "高企", "k": 0},
    {"question": "高企", "k": 11},
    {"question": "高企", "k": "三"},
    {"k": 3},
])
def test_invalid_suggest_requests_get_a_422(client: TestClient, body: dict[str, Any],
                                            staff_headers: dict[str, str]) -> None:
    response = client.post("/api/assist/suggest", json=body, headers=staff_headers)
    assert response.status_code == 422
    assert response.json()["message"]
