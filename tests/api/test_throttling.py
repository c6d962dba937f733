"""Rate limits (OWASP API4): a person typing never meets them, a loop soon does; 429 with a
Chinese message and Retry-After; a polite reply in chat; counters shared through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.throttle import DEFAULT_RATE_LIMITS, RateLimited, Throttle
from tests.databases import redis_url
from tests.sessions import new_session


@pytest.fixture
def limited(client: TestClient, runtime) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The shared app with the default limits switched on (fresh counters)."""
    previous = runtime.throttle
    runtime.throttle = Throttle()
    try:
        yield client
    finally:
        runtime.throttle = previous


def test_a_person_chatting_is_never_throttled_and_a_loop_is(limited: TestClient) -> None:
    session = new_session(limited)
    for turn in range(20):  # a busy minute of typing (one message every 3 s)
        response = limited.post("/api/chat", json={"session_id": session, "text": f"你好{turn}"})
        assert response.status_code == 200, (turn, response.text)
    looped = limited.post("/api/chat", json={"session_id": session, "text": "你好"})
    assert looped.status_code == 429
    assert looped.json()["message"].startswith("操作太频繁了，请")
    assert 1 <= int(looped.headers["Retry-After"]) <= 60
    other = limited.post("/api/chat", json={"session_id": new_session(limited), "text": "你好"})
    assert other.status_code == 200  # per session: the enterprise next door is not affected


def test_new_sessions_are_limited_per_address(limited: TestClient) -> None:
    codes = [limited.post("/api/sessions").status_code for _ in range(31)]
    assert codes[:30] == [201] * 30 and codes[30] == 429


def test_ratings_in_a_loop_stop_before_they_flood_the_rectification_list(
        limited: TestClient, runtime: Any) -> None:
    codes = []
    for _ in range(12):
        session = new_session(limited)
        limited.post("/api/chat", json={"session_id": session, "text": "高企 网上能办不"})
        codes.append(limited.post("/api/ratings", json={"session_id": session,
                                                        "level": 1}).status_code)
    assert codes.count(201) == 12  # ratings per address: 60 an hour
    session = new_session(limited)
    limited.post("/api/chat", json={"session_id": session, "text": "高企 网上能办不"})
    assert limited.post("/api/ratings", json={"session_id": session, "level": 1}).status_code == 201
    again = [limited.post("/api/ratings", json={"session_id": session, "level": 1}).status_code
             for _ in range(10)]
    assert again[:9] == [409] * 9 and again[9] == 429  # 10 an hour per session, then 429


def test_proving_a_ticket_allows_a_few_tries_only(limited: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    session = new_session(limited)
    codes = [limited.post("/api/tickets/claim", json={
        "session_id": session, "ticket_id": f"DXE20261201-{n:06X}",
        "phone": "13900000000"}).status_code for n in range(6)]
    assert codes == [404] * 5 + [429]
    hammered = "DXE20261201-ABCDEF"
    for _ in range(2):  # ten sessions cannot share the guessing either: per ticket per day
        for _ in range(5):
            limited.post("/api/tickets/claim", json={
                "session_id": new_session(limited), "ticket_id": hammered, "phone": "13900000000"})
    last = limited.post("/api/tickets/claim", json={
        "session_id": new_session(limited), "ticket_id": hammered, "phone": "13900000000"})
    assert last.status_code == 429


def test_too_many_handoffs_get_a_polite_reply_not_a_ticket(limited: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    session = new_session(limited)
    opened = []
    for n in range(6):
        body = limited.post("/api/chat", json={
            "session_id": session,
            "text": f"转人工，我们是武汉云帆智能有限公司 1371234{n:04d}，在江夏"}).json()
        opened.append(body["handoff"] is not None)
        last = body
    assert opened == [True] * 5 + [False]
    assert "比较多" in last["replies"][0]["text"]


def test_a_wechat_user_sending_in_a_loop_is_answered_politely(runtime) -> None:  # type: ignore[no-untyped-def]
    throttle = Throttle({"wechat.user": "2/minute"})
    openid = f"o{uuid.uuid4().hex[:20]}"
    throttle.hit("wechat.user", openid)
    throttle.hit("wechat.user", openid)
    with pytest.raises(RateLimited) as refused:
        throttle.hit("wechat.user", openid)
    assert refused.value.message.startswith("操作太频繁了")


def test_staff_keys_are_limited_too(limited: TestClient, runtime,  # type: ignore[no-untyped-def]
                                    staff_headers: dict[str, str]) -> None:
    runtime.throttle = Throttle({"staff.member": "3/minute"})
    codes = [limited.get("/api/staff/notifications", headers=staff_headers).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_guessing_staff_keys_is_throttled_per_address(limited: TestClient) -> None:
    wrong = [limited.get("/api/staff/notifications",
                         headers={"Authorization": f"Bearer dxe_guess-{n}"}).status_code
             for n in range(21)]
    assert wrong == [401] * 20 + [429]


def test_the_defaults_cover_every_throttled_route() -> None:
    assert {"chat.session", "chat.ip", "session.ip", "feedback.session", "rating.session",
            "rating.ip", "ticket.session", "claim.session", "claim.ip", "claim.ticket",
            "ehuiban.ip", "wechat.user", "read.session", "staff.member",
            "staff.auth.ip"} <= set(DEFAULT_RATE_LIMITS)


def test_replicas_share_their_counters_through_redis() -> None:
    url = redis_url()
    first = Throttle({"chat.session": "3/minute"}, storage_uri=url)
    second = Throttle({"chat.session": "3/minute"}, storage_uri=url)  # another replica
    key = f"redis-{uuid.uuid4().hex}"
    first.hit("chat.session", key)
    second.hit("chat.session", key)
    first.hit("chat.session", key)
    with pytest.raises(RateLimited):
        second.hit("chat.session", key)
    first.clear("chat.session", key)


def test_a_storage_outage_lets_requests_through() -> None:
    down = Throttle({"chat.session": "1/minute"}, storage_uri="redis://127.0.0.1:9/0")
    for _ in range(3):
        down.hit("chat.session", "k")  # logged, not raised
