"""The directory editor end to end, in a real browser against the real stack: an admin adds
a made-up 园区 name to 江夏区, retrains Rasa from the page (a real `rasa train` + test
stories into a temporary folder, hot-swapped with PUT /model), and an enterprise asking
about that name in the H5 chat gets 江夏区's liaison.

The shared runtime and Rasa server are put back afterwards (the directory as it was, the
model `make setup` trained), so the other browser tests see what they expect.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.dialogue.rasa_jwt import mint_token
from api.supervisor import RASA_MODEL
from hotline.security.accounts import create_staff
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow,
              pytest.mark.timeout(1800)]

ALIAS = "凤栖湖科创园"  # made up: in no data file
TRAINING_MINUTES = 20


def _rasa(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    assert stack.settings is not None and stack.settings.RASA_JWT_SECRET
    token = mint_token(stack.settings.RASA_JWT_SECRET)
    return httpx.request(method, f"{stack.rasa_url}{path}", timeout=300,
                         headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _district_entity(stack: Stack, text: str) -> str | None:
    parsed = _rasa(stack, "POST", "/model/parse", json={"text": text}).json()
    values = [e.get("value") for e in parsed.get("entities", []) if e.get("entity") == "district"]
    return values[0] if values else None


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def training_dir(runtime: Any, tmp_path: Path) -> Any:
    """Retrains of this test write their models into a temporary folder."""
    previous = runtime.settings
    runtime.settings = previous.model_copy(update={"RASA_TRAINING_DIR": tmp_path / "models"})
    yield tmp_path / "models"
    runtime.settings = previous


def test_an_admin_adds_a_park_retrains_and_the_chat_knows_it(
        desktop: Page, phone: Page, web_stack: Stack, runtime: Any, training_dir: Path,
        artifacts: Path) -> None:
    from hotline.directory.store import DirectoryStore

    question = f"我们公司在{ALIAS}，科技局的联系人是谁"
    assert _district_entity(web_stack, question) != "江夏区"  # the model in use does not know it
    model_before = _sha(RASA_MODEL)
    name, password = f"名录管理员-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    create_staff(runtime.sessions, name, role="admin")
    runtime.logins.set_password(name, password)
    page = desktop
    restore: dict[str, Any] = {}
    try:
        page.goto("/admin/directory")
        page.locator("#login-name").fill(name)
        page.locator("#login-password").fill(password)
        page.locator("#login-submit").click()
        expect(page.locator("#editor")).to_be_visible()
        expect(page.locator("nav.nav a")).to_have_text(["仪表盘", "知识库", "名录", "登记名录", "坐席"])
        page.locator("#district-select").select_option("江夏区")
        aliases = page.locator("#d-aliases")
        restore["aliases"] = aliases.input_value()
        restore["contact"] = page.locator("#d-contact").input_value()
        aliases.fill(f"{ALIAS}、{restore['aliases']}")
        page.locator("#d-note").fill("新增园区别名")
        page.locator("#d-save").click()
        expect(page.locator("#msg")).to_contain_text("已保存 江夏区")
        expect(page.locator("#retrain-banner")).to_be_visible()
        expect(page.locator("#audit li").first).to_contain_text("江夏区")
        page.screenshot(path=str(artifacts / "directory-edited.png"), full_page=True)

        # a bad edit is refused with a clear message and saves nothing
        aliases.fill(f"{ALIAS}、光谷")
        page.locator("#d-save").click()
        expect(page.locator("#msg")).to_contain_text("“光谷”同时属于")
        page.locator("#district-select").select_option("江岸区")
        page.locator("#district-select").select_option("江夏区")

        page.locator("#retrain-start").click()
        status = page.locator("#job-status")
        expect(status).to_contain_text("训练任务")
        page.screenshot(path=str(artifacts / "directory-training.png"), full_page=True)
        expect(status).to_have_attribute("data-status", re.compile("succeeded|failed"),
                                         timeout=TRAINING_MINUTES * 60_000)
        page.screenshot(path=str(artifacts / "directory-retrained.png"), full_page=True)
        expect(status).to_have_attribute("data-status", "succeeded")
        expect(status).to_contain_text("新模型已加载")
        expect(page.locator("#retrain-banner")).to_be_hidden()

        # the new model is a new file in the temporary folder, served without a restart
        served = _rasa(web_stack, "GET", "/status").json()["model_file"]
        assert [p.name for p in training_dir.glob("*.tar.gz")] == [Path(served).name]
        assert _sha(RASA_MODEL) == model_before  # the model in use on disk never replaced
        assert _district_entity(web_stack, question) == "江夏区"

        phone.goto("/chat")
        expect(phone.locator("html")).to_have_attribute("data-ready", "1")
        phone.locator("#input").fill(question)
        phone.locator("#input").press("Enter")
        expect(phone.locator("html")).to_have_attribute("data-busy", "0", timeout=30_000)
        answer = phone.locator("#log .row.bot .bubble").last
        expect(answer).to_contain_text("江夏区")
        expect(answer).to_contain_text(restore["contact"])
        phone.screenshot(path=str(artifacts / "directory-chat-answer.png"), full_page=True)
    finally:
        # put the shared runtime and Rasa server back as the other tests expect them
        _rasa(web_stack, "PUT", "/model", json={"model_file": str(RASA_MODEL.resolve())})
        store = DirectoryStore(runtime.sessions)
        saved = store.latest()
        if "aliases" in restore and saved is not None and ALIAS in str(saved.data):
            from hotline.directory import edits
            from hotline.directory.store import Change

            row = edits.district(saved.data, "江夏区")
            fields = edits.DistrictFields(
                row["full_name"], row["leader"], row["leader_title"], row["department"],
                row["contact"], row.get("phone") or "",
                tuple(a for a in row["aliases"] if a != ALIAS))
            store.save(edits.update_district(saved.data, "江夏区", fields), "test", "还原",
                       saved.etag, Change("directory.district", "district", "江夏区", None, None))
            runtime.request_reindex("test restore")
            deadline = time.monotonic() + 300
            while not runtime.index_is_current() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert runtime.index_is_current()
