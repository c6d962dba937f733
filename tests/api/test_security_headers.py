"""Security headers on every response, CORS closed by default, and the request-body cap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.web.security_headers import API_POLICY

COMMON = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
ORIGIN = "https://ehuiban.example.gov.cn"


@contextmanager
def app_with(runtime: Any, test_settings: Any, **changes: Any) -> Iterator[TestClient]:
    """A client of the app over the shared runtime with some settings changed."""
    from api.main import create_app

    settings = test_settings.model_copy(update=changes)
    with TestClient(create_app(settings=settings, runtime=runtime)) as client:
        yield client


def _assert_common(response: Any) -> None:
    for name, value in COMMON.items():
        assert response.headers[name] == value, (name, dict(response.headers))
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers  # not HTTPS: no HSTS


def test_the_page_keeps_its_own_policy_and_gets_the_common_headers(client: TestClient) -> None:
    response = client.get("/chat")
    assert response.status_code == 200
    _assert_common(response)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["cache-control"] == "no-cache"  # the page's own


def test_a_page_framed_by_listed_hosts_gets_no_x_frame_options(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.settings import get_settings

    monkeypatch.setenv("DXE_EMBED_FRAME_ANCESTORS", f"'self' {ORIGIN}")
    get_settings.cache_clear()
    try:
        response = client.get("/chat?embed=1")
    finally:
        monkeypatch.delenv("DXE_EMBED_FRAME_ANCESTORS")
        get_settings.cache_clear()
    assert f"frame-ancestors 'self' {ORIGIN}" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers  # DENY would break 鄂汇办's web view


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/api/health", 200),
    ("post", "/api/chat", 422),  # an error response
    ("get", "/api/nothing", 404),
    ("get", "/chat/assets/nothing.js", 404),
    ("get", "/api/staff/tickets", 401),
    ("delete", "/api/chat", 405),
])
def test_api_answers_and_errors_get_the_headers(client: TestClient, method: str, path: str,
                                                status: int) -> None:
    response = client.request(method, path, json={} if method == "post" else None)
    assert response.status_code == status
    _assert_common(response)
    assert response.headers["content-security-policy"] == API_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_hsts_only_when_the_deployment_is_https(runtime: Any, test_settings: Any) -> None:
    with app_with(runtime, test_settings, HTTPS=True) as client:
        for path in ("/api/health", "/chat", "/api/nothing"):
            assert client.get(path).headers["strict-transport-security"] == "max-age=31536000"


def _preflight(client: TestClient, origin: str) -> Any:
    return client.options("/api/chat", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})


def test_cors_is_closed_by_default(client: TestClient) -> None:
    response = _preflight(client, ORIGIN)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    simple = client.get("/api/health", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_the_configured_origins(runtime: Any, test_settings: Any) -> None:
    with app_with(runtime, test_settings, CORS_ORIGINS=f"{ORIGIN}, http://127.0.0.1:9000") as client:
        allowed = _preflight(client, ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "access-control-allow-credentials" not in allowed.headers
        _assert_common(allowed)
        other = _preflight(client, "https://evil.example.com")
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        simple = client.get("/api/health", headers={"Origin": ORIGIN})
        assert simple.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize("value", ["*", "https://a.example.cn/path", "ehuiban.example.cn",
                                   "javascript:alert(1)"])
def test_an_invalid_cors_origin_fails_at_start(runtime: Any, test_settings: Any,
                                               value: str) -> None:
    from api.main import create_app

    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        create_app(settings=test_settings.model_copy(update={"CORS_ORIGINS": value}),
                   runtime=runtime)


def _chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _assert_413(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.json()["message"].startswith("请求体过大")
    _assert_common(response)


def test_an_oversize_body_gets_a_413(client: TestClient) -> None:
    big = b'{"session_id": "s1", "text": "' + "高".encode() * 30_000 + b'"}'  # 90 kB
    headers = {"Content-Type": "application/json"}
    _assert_413(client.post("/api/chat", content=big, headers=headers))  # Content-Length
    _assert_413(client.post("/api/chat", content=_chunks(big), headers=headers))  # streamed
    _assert_413(client.post("/api/staff/tickets", content=_chunks(big), headers=headers))
    _assert_413(client.post("/api/health", content=big))  # even where no body is read
    small = client.post("/api/chat", json={"session_id": "s1", "text": "高" * 1001})
    assert small.status_code == 422  # under the cap: the usual validation


def test_the_cap_is_a_setting_and_actions_have_their_own(runtime: Any,
                                                         test_settings: Any) -> None:
    with app_with(runtime, test_settings, MAX_BODY_BYTES=2048) as client:
        _assert_413(client.post("/api/chat", json={"session_id": "s1", "text": "高" * 900}))
        # the Rasa server's action calls carry the whole tracker: only the token stops them
        tracker = client.post("/webhook/actions", content=b"{" + b" " * 100_000 + b"}")
        assert tracker.status_code == 403
