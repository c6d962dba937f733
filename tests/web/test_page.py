"""The chat page's route: security headers, assets, embed mode, and the page's own rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web import router
from api.web.router import ASSET_TYPES, STATIC_DIR
from hotline.settings import get_settings, parse_frame_ancestors


@pytest.fixture()
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Only the web router (no runtime needed); settings read afresh per test."""
    monkeypatch.delenv("DXE_EMBED_FRAME_ANCESTORS", raising=False)
    get_settings.cache_clear()
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        yield client
    get_settings.cache_clear()


def csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = [d.strip() for d in response.headers["content-security-policy"].split(";")]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in directives}


def test_page_is_served_with_a_strict_policy(web: TestClient) -> None:
    response = web.get("/chat")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'" and policy["img-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "camera=()" in response.headers["permissions-policy"]


def test_page_has_no_inline_code_and_only_local_assets(web: TestClient) -> None:
    html = web.get("/chat").text
    assert 'data-embed="0"' in html
    assert "{{" not in html  # every placeholder filled
    # scripts only by src, no inline handlers or style attributes
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html) and "<style" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/chat/assets/") or u == "#input" for u in urls), urls
    for url in urls:
        if url.startswith("/chat/assets/"):
            assert web.get(url).status_code == 200, url


def test_embed_mode_is_rendered_by_the_server(web: TestClient) -> None:
    assert 'data-embed="1"' in web.get("/chat?embed=1").text
    assert 'data-embed="0"' in web.get("/chat?embed=yes").text


def test_assets_have_their_types_and_headers(web: TestClient) -> None:
    for name, media_type in ASSET_TYPES.items():
        response = web.get(f"/chat/assets/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media_type.split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cross-origin-resource-policy"] == "same-origin"
        assert response.content == (STATIC_DIR / name).read_bytes()


@pytest.mark.parametrize("path", ["/chat/assets/chat.html", "/chat/assets/..%2Frouter.py",
                                  "/chat/assets/..%2F..%2Fschemas.py", "/chat/assets/nope.js"])
def test_nothing_else_is_served(web: TestClient, path: str) -> None:
    assert web.get(path).status_code == 404


def test_frame_ancestors_come_from_the_setting(web: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DXE_EMBED_FRAME_ANCESTORS", "'self'  https://*.example.gov.cn")
    get_settings.cache_clear()
    response = web.get("/chat?embed=1")
    assert csp(response)["frame-ancestors"] == "'self' https://*.example.gov.cn"
    assert "x-frame-options" not in response.headers  # it cannot express a host list
    monkeypatch.setenv("DXE_EMBED_FRAME_ANCESTORS", "'none'")
    get_settings.cache_clear()
    assert web.get("/chat").headers["x-frame-options"] == "DENY"


def test_an_invalid_setting_fails_closed(web: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DXE_EMBED_FRAME_ANCESTORS", "https://a.cn; script-src *")
    get_settings.cache_clear()
    response = web.get("/chat")
    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == "'none'"
    assert csp(response)["script-src"] == "'self'"


@pytest.mark.parametrize("value", ["", "https://a.cn; script-src *", "https://a.cn,https://b.cn",
                                   "'none' https://a.cn", "'unsafe-inline'", "https://a.cn\r\nX: y"])
def test_bad_frame_ancestors_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parse_frame_ancestors(value)


@pytest.mark.parametrize("value", ["'self'", "'none'", "https:", "https://app.example.cn:8443",
                                   "'self' https://*.example.gov.cn http://10.0.0.5"])
def test_good_frame_ancestors_are_kept(value: str) -> None:
    assert parse_frame_ancestors(value) == value


def test_the_app_serves_the_page() -> None:
    from api.main import create_app

    client = TestClient(create_app())  # no lifespan: the page needs no runtime
    assert client.get("/chat").status_code == 200
    assert client.get("/chat/assets/chat.js").status_code == 200


def test_script_never_parses_html() -> None:
    """Text is only ever set with textContent / text nodes (Trusted Types enforce it too)."""
    script = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "DOMParser", "createContextualFragment", "srcdoc"):
        assert sink not in script, sink
    # no absolute URLs: every request goes to this origin
    assert not re.search(r"https?://", script)
