"""Ingestion of every supported format into documents with provenance and citable chunks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.corpus import load_knowledge_base
from knowledge.loaders import KnowledgeDataError, load_faqs, load_policy
from knowledge.models import DocKind
from knowledge.readers import UnreadableDocumentError, read_text
from tests.paths import PROJECT_ROOT

POLICY_TEXT = [
    "第一条 为了规范科技企业孵化器管理，制定本办法。",
    "第二条 本办法所称孵化器，是指以促进科技成果转化、培育科技企业为宗旨的服务机构。",
    "第三条 孵化器的主要功能是提供物理空间和孵化服务。",
]
META = ("id: test-policy\ntitle: 测试管理办法\nissuer: 测试部门\ndoc_number: 测试〔2024〕1号\n"
        "source: 单元测试\neffective_date: 2024-01-01\n")


def _with_meta(path: Path) -> Path:
    path.with_name(path.stem + ".meta.yml").write_text(META, encoding="utf-8")
    return path


def _assert_articles(path: Path) -> None:
    document = load_policy(_with_meta(path))
    assert document.kind == DocKind.POLICY
    assert document.doc_number == "测试〔2024〕1号"
    assert document.effective_date == date(2024, 1, 1)
    assert [c.label for c in document.chunks] == ["第一条", "第二条", "第三条"]
    assert "培育科技企业" in document.chunks[1].text


def test_txt_policy_is_split_by_article(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text("\n".join(POLICY_TEXT), encoding="utf-8")
    _assert_articles(path)


def test_markdown_headings_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text("# 申请条件\n企业注册满一年。\n\n## 申请材料\n营业执照复印件。\n", encoding="utf-8")
    document = load_policy(_with_meta(path))
    assert [(c.section, c.text) for c in document.chunks] == \
        [("申请条件", "企业注册满一年。"), ("申请材料", "营业执照复印件。")]


def test_docx_policy_is_read(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in POLICY_TEXT:
        document.add_paragraph(line)
    path = tmp_path / "policy.docx"
    document.save(str(path))
    _assert_articles(path)


def test_pdf_policy_is_read(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "policy.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 11)
    for n, line in enumerate(POLICY_TEXT):
        pdf.drawString(40, 800 - 20 * n, line)
    pdf.save()
    _assert_articles(path)


def test_not_utf8_text_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("第一条 测试".encode("gbk"))
    with pytest.raises(UnreadableDocumentError, match="UTF-8"):
        read_text(path)


def test_broken_pdf_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(UnreadableDocumentError):
        read_text(path)


def test_unsupported_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(UnreadableDocumentError, match="unsupported"):
        read_text(path)


def test_policy_without_provenance_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orphan.txt"
    path.write_text("第一条 内容。", encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match="provenance"):
        load_policy(path)


def test_faq_csv_rows_become_answerable_documents(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "id,question,paraphrases,answer,title,issuer,doc_number,section,source\n"
        "faq-test,高企有效期多久？,高企管几年|高企证书几年有效,三年。,高新技术企业认定管理办法,"
        "科技部 财政部 国家税务总局,国科发火〔2016〕32号,第九条,《高新技术企业认定管理办法》\n",
        encoding="utf-8")
    (document,) = load_faqs(path)
    (chunk,) = document.chunks
    assert document.kind == DocKind.FAQ and document.doc_number == "国科发火〔2016〕32号"
    assert chunk.answer == "三年。"
    assert chunk.search_texts == ("高企有效期多久？", "高企管几年", "高企证书几年有效")


def test_faq_item_without_answer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "faq.yml"
    path.write_text("items:\n  - id: faq-x\n    question: 问题？\n    title: t\n    issuer: i\n"
                    "    source: s\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match="answer"):
        load_faqs(path)


def test_shipped_knowledge_base_loads_with_provenance_everywhere() -> None:
    knowledge = load_knowledge_base()
    kinds = {doc.kind for doc in knowledge.documents}
    assert {DocKind.NOTICE, DocKind.GUIDE, DocKind.FAQ, DocKind.DIRECTORY} <= kinds
    for document in knowledge.documents:
        assert document.title and document.issuer and document.source, document.id
        assert document.chunks, document.id
        if document.kind in (DocKind.GUIDE, DocKind.FAQ):
            # the governing rule by 文号, or (for laws and plans adopted without one) by name
            assert document.doc_number or "《" in document.source, f"{document.id} cites nothing"
    notice = knowledge.document("notice-wukehan-2021-10")
    clause_sections = [c.section for c in notice.chunks if c.label]
    assert len(clause_sections) == 17
    assert "（八）优化高企认定服务流程" in clause_sections


def test_document_version_changes_with_its_text() -> None:
    knowledge = load_knowledge_base()
    notice = knowledge.document("notice-wukehan-2021-10")
    from dataclasses import replace

    edited = replace(notice, chunks=(replace(notice.chunks[0], text="改过的导语"),
                                     *notice.chunks[1:]))
    assert edited.version != notice.version


def test_repealed_document_is_not_served(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "data", data)
    meta = data / "notice" / "wukehan-2021-10.meta.yml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("expiry_date:", "expiry_date: 2022-01-01"),
                    encoding="utf-8")
    knowledge = load_knowledge_base(data)
    assert not any(c.doc_id == "notice-wukehan-2021-10" for c in knowledge.chunks())
