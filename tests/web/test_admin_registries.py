"""The 登记名录 page in Chromium against a real stack (app + `rasa run`) over a runtime of its
own: an admin uploads the generated high-tech list, sees the preview with its rejected rows,
activates it after confirming, and the H5 chat (through Rasa) then answers from it; names
and reasons carrying markup stay text; editors read, only admins import; staff are refused."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.security.accounts import create_staff
from tests.fixtures.registries.make_fixtures import HIGHTECH_REJECTED_ROWS
from tests.registries.conftest import FIXTURES, SOURCE
from tests.stack import Stack
from tests.web.test_browser import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PASSWORD = "沙湖之畔-名单核对-2026"
MARKUP_NAME = '<img src=x onerror="window.__pwned=1">武汉标记测试科技有限公司'
MARKUP_DATE = "<b onmouseover=alert(1)>2024</b>"


def _member(runtime: Any, role: str) -> str:
    name = f"名单-{role}-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name, role=role)
    runtime.logins.set_password(name, PASSWORD, actor="测试")
    return name


def _sign_in(page: Page, name: str) -> None:
    expect(page.locator("#login")).to_be_visible()
    page.locator("#login-name").fill(name)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#who")).to_contain_text(name)


def _markup_csv(folder: Path) -> Path:
    """A list whose name and date cells hold markup (the reason quotes the date)."""
    buffer = io.StringIO()
    rows = [["# 生成的测试数据（非真实名单）"], ["企业名称", "证书编号", "发证日期", "有效期至"],
            [MARKUP_NAME, "GR202442009901", "2024-12-01", ""],
            ["武汉标记日期有限公司", "GR202442009902", MARKUP_DATE, ""]]
    csv.writer(buffer).writerows(rows)
    path = folder / "标记测试.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _upload(page: Page, path: Path, source: str) -> None:
    page.locator("#upload-kind").select_option(label="高新技术企业名单")
    page.locator("#upload-file").set_input_files(str(path))
    page.locator("#upload-date").fill("2024-12-20")
    page.locator("#upload-source").fill(source)
    page.get_by_role("button", name="上传并预览").click()


def test_an_admin_previews_activates_and_the_chat_answers_from_the_list(
        registry_desktop: Page, registry_phone: Page, registry_stack: Stack,
        registry_runtime: Any, artifacts: Path, tmp_path: Path) -> None:
    page = registry_desktop
    page.goto("/admin/registries")
    _sign_in(page, _member(registry_runtime, "admin"))
    cards = page.locator("#registries .registry")
    expect(cards).to_have_count(3)
    expect(cards.locator("h2")).to_have_text(["高新技术企业名单", "科技企业孵化器和众创空间名单",
                                              "市级科技特派员名单"])
    # upload → a preview version: counts, first rows, the rejected rows with reasons
    _upload(page, FIXTURES / "hightech.csv", SOURCE)
    expect(page.locator("#msg")).to_contain_text("可导入 7 条，未导入 4 行")
    preview = page.locator("#preview")
    expect(preview.locator("#preview-status")).to_have_text("预览（未启用）")
    expect(preview.locator("#preview-facts")).to_contain_text("生成的测试数据，非真实名单")
    expect(preview.locator("#preview-rows tbody tr")).to_have_count(7)
    expect(preview.locator("#preview-rows tbody tr").first).to_contain_text("武汉光谷芯材科技有限公司")
    expect(preview.locator("#preview-rows tbody tr").first).to_contain_text("GR202342000101")
    rejected = preview.locator("#preview-rejected tbody tr")
    expect(rejected).to_have_count(len(HIGHTECH_REJECTED_ROWS))
    expect(rejected.nth(1)).to_contain_text(f"第 {HIGHTECH_REJECTED_ROWS[1]} 行")
    expect(rejected.nth(1)).to_contain_text("证书编号“GR2023”格式不对")
    expect(rejected.nth(3)).to_contain_text("证书编号与第 3 行重复")
    version_id = preview.get_attribute("data-version")
    assert version_id

    # activation asks first, then the list answers
    page.get_by_role("button", name="启用此版本").click()
    dialog = page.locator("#dlg-activate")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"第 {version_id} 版（7 条")
    dialog.get_by_role("button", name="确认启用").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#msg")).to_contain_text(f"已启用“高新技术企业名单”第 {version_id} 版")
    expect(preview.locator("#preview-status")).to_have_text("当前生效")
    expect(page.get_by_role("button", name="启用此版本")).to_be_hidden()
    card = cards.nth(0)
    expect(card).to_contain_text(f"当前生效：第 {version_id} 版")
    expect(card).to_contain_text(SOURCE)
    expect(card).to_contain_text("7 条（未导入 4 行）")
    history = page.locator("#versions tbody tr", has_text=f"第 {version_id} 版")
    expect(history).to_contain_text("当前生效")
    page.screenshot(path=str(artifacts / "admin-registries.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1366, "height": 1240})
    page.locator("#format summary").click()  # the import format, from the API
    expect(page.locator("#format-tables")).to_contain_text("证书编号")
    expect(page.locator("#format-tables")).to_contain_text("运营主体")
    expect(page.locator("#format-files")).to_contain_text("GBK")

    open_chat(registry_phone)
    ask(registry_phone, "武汉光谷芯材科技有限公司是不是高新技术企业？")
    answer = registry_phone.locator("#log .row.bot .bubble").last
    expect(answer).to_contain_text("GR202342000101")
    expect(answer).to_contain_text("生成的测试数据")
    expect(answer).to_contain_text("以官方公布为准")

    # markup in a file stays text, in the rows and in the reasons
    _upload(page, _markup_csv(tmp_path), "标记测试（生成的测试数据）")
    expect(page.locator("#msg")).to_contain_text("可导入 1 条，未导入 1 行")
    expect(preview.locator("#preview-rows tbody tr").first).to_contain_text(MARKUP_NAME)
    expect(preview.locator("#preview-rejected tbody tr").first).to_contain_text(MARKUP_DATE)
    assert page.locator("#preview img, #preview b, #versions img").count() == 0
    assert page.evaluate("window.__pwned") is None
    recorder = page.recorder  # type: ignore[attr-defined]
    assert recorder.foreign(registry_stack.app_url) == [], recorder.requests


def test_editors_read_only_admins_import_and_staff_are_refused(
        registry_desktop: Page, registry_runtime: Any) -> None:
    page = registry_desktop
    page.goto("/admin/registries")
    _sign_in(page, _member(registry_runtime, "staff"))
    expect(page.locator("#no-access")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    page.get_by_role("button", name="退出").click()
    _sign_in(page, _member(registry_runtime, "editor"))
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#upload-denied")).to_have_text("只有管理员可以导入和启用名单。")
    expect(page.locator("#upload-form")).to_be_hidden()
    expect(page.locator("#registries .registry")).to_have_count(3)
