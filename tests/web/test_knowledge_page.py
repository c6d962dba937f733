"""The knowledge library page in a real browser against the real stack: an admin uploads a
.docx about something the knowledge base does not know, checks its split, publishes it, and
the H5 chat (real Rasa) answers from it with its citation — nothing restarted."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hotline.library.lifecycle import Move
from hotline.security.accounts import create_staff
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PASSWORD = "知识库-管理员-口令-2026"
DOC_NUMBER = "武科规〔2026〕3号"
LINES = ["武汉市量子科技企业算力补贴实施办法",
         "第一条 为支持量子科技企业发展，制定本办法。",
         "第二条 2026年量子科技企业算力补贴。对在汉注册的量子科技企业，按算力租用费用的30%给予"
         "补贴，每家企业每年最高200万元。",
         "第三条 申请时间为2026年3月1日至4月30日，通过武汉市政务服务平台提交申请。"]
QUESTION = "量子科技企业算力补贴最高多少钱？"


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in LINES:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_an_admin_publishes_an_uploaded_docx_and_the_chat_answers_from_it(
        desktop: Page, web_stack: Stack, runtime, phone: Page, artifacts: Path,  # type: ignore[no-untyped-def]
        tmp_path: Path) -> None:
    name = f"知识库管理员-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name, role="admin")
    runtime.logins.set_password(name, PASSWORD, actor="测试")
    page = desktop
    recorder = page.recorder
    doc_id = None
    try:
        page.goto("/admin/knowledge")
        expect(page.locator("#login")).to_be_visible()
        page.locator("#login-name").fill(name)
        page.locator("#login-password").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator("#app")).to_be_visible()
        expect(page.locator("#documents li").first).to_be_visible()

        page.locator("#upload-file").set_input_files(str(make_docx(tmp_path / "量子算力补贴.docx")))
        page.locator("#upload-number").fill(DOC_NUMBER)
        page.locator("#upload-source").fill("武汉市科学技术局 2026年公开文件（测试）")
        page.get_by_role("button", name="上传并分段").click()
        expect(page.locator("#status")).to_contain_text("请核对后提交审核")
        doc_id = page.locator("#detail").get_attribute("data-id")
        assert doc_id and doc_id.startswith("policy-")
        sections = page.locator("#chunks .chunk-section")
        expect(sections).to_have_count(4)  # the title line, then 第一条 … 第三条
        expect(sections.nth(2)).to_have_value(re.compile(r"^第二条"))
        page.screenshot(path=str(artifacts / "knowledge-split.png"), full_page=True)

        # the editor's correction: the title line is not a clause
        page.locator("#chunks .chunk").first.get_by_role("button", name="删除").click()
        expect(sections).to_have_count(3)
        page.get_by_role("button", name="保存分段").click()
        expect(page.locator("#status")).to_have_text("分段已保存")
        page.get_by_role("button", name="提交审核").click()
        expect(page.locator("#detail-state")).to_have_text("待审核")
        page.get_by_role("button", name="审核通过并发布").click()
        expect(page.locator("#detail-state")).to_have_text("已发布")
        index_line = page.locator("#index-status")
        expect(index_line).to_have_attribute("data-state", "published", timeout=120_000)
        expect(index_line).to_contain_text("已上线")
        page.screenshot(path=str(artifacts / "knowledge-published.png"), full_page=True)
        deadline = time.monotonic() + 30  # the app process swaps to the new build by itself
        while doc_id not in runtime.knowledge.versions() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert doc_id in runtime.knowledge.versions()

        phone.goto("/chat")
        expect(phone.locator("html")).to_have_attribute("data-ready", "1")
        phone.locator("#input").fill(QUESTION)
        phone.locator("#input").press("Enter")
        expect(phone.locator("html")).to_have_attribute("data-busy", "0", timeout=30_000)
        card = phone.locator("#log .source").last
        expect(card).to_contain_text(DOC_NUMBER)
        expect(card.locator(".source-section")).to_have_text(re.compile(r"^第二条"))
        expect(phone.locator("#log .row.bot .bubble").last).to_contain_text("200万元")
        phone.screenshot(path=str(artifacts / "knowledge-chat-answer.png"))
        assert not recorder.errors, recorder.errors
        assert not recorder.foreign(web_stack.app_url)
    finally:
        if doc_id and runtime.library.get(doc_id).live_version:  # leave the shared index as it was
            runtime.library.transition(doc_id, Move.WITHDRAW, "测试")
            runtime.request_reindex("test clean-up", "测试")
            deadline = time.monotonic() + 120
            while doc_id in runtime.knowledge.versions() and time.monotonic() < deadline:
                time.sleep(0.2)


def test_an_editor_turns_a_problem_group_into_an_faq_draft(
        desktop: Page, runtime, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex[:4]
    questions = [f"科技馆研学基地{marker}怎么申报", f"科技馆研学基地{marker}申报流程是什么"]
    for number, text in enumerate(questions):  # two questions the assistant declined
        runtime.conversation_log.record(
            session_id=f"web:problem-{marker}-{number}", channel="web", text=text, intent=None,
            outcome="declined", confidence=0.1, top_doc_id=None, top_section=None)
    name = f"知识库编辑-{marker}"
    create_staff(runtime.sessions, name, role="editor")
    runtime.logins.set_password(name, PASSWORD, actor="测试")
    page = desktop
    recorder = page.recorder
    page.goto("/admin/knowledge")
    page.locator("#login-name").fill(name)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    group = page.locator("#problems > li", has_text=f"研学基地{marker}").first
    expect(group).to_be_visible()
    expect(group).to_contain_text("2 次")
    group.get_by_role("button", name="生成问答草稿").click()
    expect(page.locator("#status")).to_contain_text("已生成问答草稿")
    expect(page.locator("#faq-form")).to_be_visible()
    question = page.locator("#faq-question").input_value()
    assert question in questions
    paraphrases = page.locator("#faq-paraphrases").input_value()
    assert (set(questions) - {question}) <= set(paraphrases.splitlines())
    expect(page.locator("#detail-state")).to_contain_text("草稿")  # a draft: never served
    page.screenshot(path=str(artifacts / "knowledge-problem-draft.png"), full_page=True)
    assert not recorder.errors, recorder.errors


def _sign_in(page: Page, runtime, role: str) -> str:  # type: ignore[no-untyped-def]
    name = f"主题{role}-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name, role=role)
    runtime.logins.set_password(name, PASSWORD, actor="测试")
    page.goto("/admin/knowledge")
    page.locator("#login-name").fill(name)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#app")).to_be_visible()
    return name


def test_an_admin_tags_a_faq_with_subscription_topics_an_editor_only_sees_them(
        desktop: Page, runtime) -> None:  # type: ignore[no-untyped-def]
    doc_id = "faq-gaoqi-validity"
    page = desktop
    recorder = page.recorder
    try:
        _sign_in(page, runtime, "admin")
        page.locator(f"#documents button[data-id='{doc_id}']").click()
        topics = page.locator("#topics input[type=checkbox]")
        expect(topics).to_have_count(7)
        expect(page.locator("#topics input:checked")).to_have_count(0)
        page.locator("#topics label", has_text="高企认定").locator("input").check()
        page.get_by_role("button", name="保存主题").click()
        expect(page.locator("#status")).to_contain_text("主题已保存")
        assert runtime.subscriptions.document_topics(doc_id) == ["high_tech"]
        page.reload()  # stored, not only shown
        page.locator(f"#documents button[data-id='{doc_id}']").click()
        expect(page.locator("#topics input:checked")).to_have_count(1)
        expect(page.locator("#topics label", has_text="高企认定").locator("input")).to_be_checked()
        assert not recorder.errors, recorder.errors

        page.context.clear_cookies()  # now an editor: sees the topics, cannot change them
        _sign_in(page, runtime, "editor")
        page.locator(f"#documents button[data-id='{doc_id}']").click()
        expect(page.locator("#topics input:checked")).to_have_count(1)
        expect(page.locator("#topics input").first).to_be_disabled()
        expect(page.get_by_role("button", name="保存主题")).to_be_hidden()
    finally:
        runtime.subscriptions.set_document_topics(doc_id, [], actor="测试")
