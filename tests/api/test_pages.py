"""Every staff page is served one way (api/web/pages.py): versioned assets, only listed
files, the strict headers, never framed, and a clear 503 for a missing vendored file."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web import admin, console, directory_page, knowledge_page, registries_page
from api.web.pages import AssetUnavailable, StaffPage
from api.web.router import STATIC_DIR

PAGES = [console.PAGE, knowledge_page.PAGE, directory_page.PAGE, admin.PAGE, registries_page.PAGE]
SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
                   r"|DOMParser|createContextualFragment|srcdoc")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.path)
def test_each_page_links_its_assets_by_content_hash(client: TestClient, page: StaffPage) -> None:
    html = client.get(page.path)
    assert html.status_code == 200
    assert "frame-ancestors 'none'" in html.headers["content-security-policy"]
    assert html.headers["cache-control"] == "no-cache"
    assert "{{v:" not in html.text
    for name, media_type in page.assets.items():
        asset = client.get(f"{page.path}/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == media_type
        assert asset.headers["etag"].strip('"') in html.text  # the page asks for this build
    assert client.get(f"{page.path}/assets/chat.js").status_code == 404  # not its file
    assert client.get(f"{page.path}/assets/..%2Fchat.html").status_code == 404


def test_an_unavailable_asset_is_a_clear_503_and_the_page_still_loads() -> None:
    def read(name: str) -> bytes:
        raise AssetUnavailable("组件缺失，请运行 make vendor")

    page = StaffPage("/probe", "console.html", {"console.js": "text/javascript"}, "probe",
                     read=read)
    app = FastAPI()
    app.include_router(page.router())
    with TestClient(app) as probe:
        assert probe.get("/probe").status_code == 200
        assert re.search(r"console\.js\?v=missing", probe.get("/probe").text)
        missing = probe.get("/probe/assets/console.js")
        assert missing.status_code == 503 and "make vendor" in missing.json()["detail"]


@pytest.mark.parametrize("name", sorted({name for page in PAGES for name in page.assets
                                         if name.endswith(".js") and (STATIC_DIR / name).exists()}))
def test_no_page_script_parses_html_or_calls_another_origin(name: str) -> None:
    """Our own scripts (not the vendored ECharts): text only ever as textContent."""
    script = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert not SINKS.findall(script), name
    assert not re.search(r"https?://", script), name
