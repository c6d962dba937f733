"""The library's life cycle, versions, restore, expiry, seed import and the upload split."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import AuditLog
from hotline.library.assembly import knowledge_from_library
from hotline.library.content import Metadata
from hotline.library.lifecycle import Move, State, TransitionError
from hotline.library.seed import import_seed
from hotline.library.service import ChunkInput, FaqInput, InvalidContent, Library
from hotline.library.splitting import UploadError, read_upload, split_text
from knowledge.corpus import DEFAULT_DATA_DIR, load_knowledge_base
from knowledge.models import DocKind

POLICY = """武汉市量子科技企业算力补贴实施细则
第一条 为支持量子科技企业发展，制定本细则。
第二条 2026年量子算力补贴。对在汉注册的量子科技企业，按算力租用费用的30%给予补贴。每家企业每年最高200万元。
第三条 本细则自2026年1月1日起施行。
"""


def _metadata(**changes: object) -> Metadata:
    values: dict[str, object] = {"kind": DocKind.POLICY, "title": "量子算力补贴细则",
                                 "issuer": "武汉市科学技术局", "source": "测试上传",
                                 "doc_number": "武科规〔2026〕1号"}
    values.update(changes)
    return Metadata(**values)  # type: ignore[arg-type]


def _draft(library: Library, text: str = POLICY, **changes: object) -> str:
    doc_id = "policy-quantum"
    view = library.create(_metadata(**changes), split_text(doc_id, text), "编辑甲", doc_id)
    return view.document.id


def served_ids(library: Library, on: date | None = None) -> set[str]:
    return {d.id for d in library.published_documents(on)}


def test_seed_import_is_idempotent_and_serves_what_the_files_say(library: Library) -> None:
    first = import_seed(library, DEFAULT_DATA_DIR)
    files = load_knowledge_base()
    assert first["added"] == len(files.documents) - 1  # all but the directory's document
    assert first["synonyms"] == len(files.synonyms)
    again = import_seed(library, DEFAULT_DATA_DIR)
    assert again == {"added": 0, "updated": 0, "unchanged": first["added"], "kept": 0,
                     "synonyms": 0}
    served = knowledge_from_library(library, DEFAULT_DATA_DIR)
    assert served.versions() == files.versions()  # the seeded index still fits
    assert [d.id for d in served.documents] == [d.id for d in files.documents]
    assert served.synonyms == files.synonyms


def test_a_changed_seed_file_updates_its_document_unless_an_editor_changed_it(
        library: Library, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    import_seed(library, data)
    guide = data / "guides" / "window.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("窗口", "服务窗口", 1),
                     encoding="utf-8")
    faq_doc = library.documents("faq")[0].document.id
    library.transition(faq_doc, Move.WITHDRAW, "管理员")  # edited here: the seed must not win
    faq_file = next(p for p in (data / "faq").glob("*.yml")
                    if faq_doc in p.read_text(encoding="utf-8"))
    faq_file.write_text(faq_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = import_seed(library, data)
    assert report["updated"] == 1
    window = next(v for v in library.documents("guide") if "window" in v.document.id)
    assert window.live_version == 2 and window.state == State.PUBLISHED


def test_life_cycle_publish_edit_withdraw_restore(library: Library,
                                                  sessions: sessionmaker[Session]) -> None:
    doc_id = _draft(library)
    assert library.get(doc_id).state == State.DRAFT
    assert doc_id not in served_ids(library)
    with pytest.raises(TransitionError):
        library.transition(doc_id, Move.PUBLISH, "管理员")  # not reviewed yet
    library.transition(doc_id, Move.SUBMIT, "编辑甲")
    with pytest.raises(TransitionError):  # the reviewer reviews what was submitted
        library.update_metadata(doc_id, _metadata(title="改了"), "编辑甲")
    change = library.transition(doc_id, Move.PUBLISH, "管理员")
    assert change.served_changed and change.view.live_version == 1
    assert doc_id in served_ids(library)

    # a revision: the working copy is a draft, what is served stays version 1
    library.update_metadata(doc_id, _metadata(title="量子算力补贴细则（修订）"), "编辑甲")
    assert library.get(doc_id).state == State.DRAFT
    served = next(d for d in library.published_documents() if d.id == doc_id)
    assert served.title == "量子算力补贴细则"
    library.transition(doc_id, Move.SUBMIT, "编辑甲")
    library.transition(doc_id, Move.PUBLISH, "管理员")
    served = next(d for d in library.published_documents() if d.id == doc_id)
    assert served.title == "量子算力补贴细则（修订）"

    withdrawn = library.transition(doc_id, Move.WITHDRAW, "管理员")
    assert withdrawn.view.state == State.WITHDRAWN and withdrawn.served_changed
    assert doc_id not in served_ids(library)

    restored = library.restore(doc_id, 1, "管理员")
    assert restored.view.live_version == 3 and restored.view.state == State.PUBLISHED
    served = next(d for d in library.published_documents() if d.id == doc_id)
    assert served.title == "量子算力补贴细则"
    versions = library.versions(doc_id)
    assert [(v.number, v.note) for v in versions] == [(3, "restore v1"), (2, "publish"),
                                                      (1, "publish")]
    assert versions[0].content_version == versions[2].content_version  # same content
    assert versions[1].document.title == "量子算力补贴细则（修订）"  # versions never change

    actions = [e.action for e in AuditLog(sessions).entries("document") if e.subject_id == doc_id]
    assert actions == ["restore", "withdraw", "publish", "submit", "edit_metadata", "publish",
                       "submit", "create"]
    created = [e for e in AuditLog(sessions).entries("document") if e.action == "edit_metadata"][0]
    assert created.before and created.after
    assert created.before["title"] == "量子算力补贴细则"
    assert created.after["title"] == "量子算力补贴细则（修订）"


def test_expired_documents_are_not_served(library: Library) -> None:
    doc_id = _draft(library, expiry_date=date(2026, 12, 31), effective_date=date(2026, 1, 1))
    library.transition(doc_id, Move.SUBMIT, "编辑甲")
    library.transition(doc_id, Move.PUBLISH, "管理员")
    assert doc_id in served_ids(library, on=date(2026, 12, 30))
    assert doc_id not in served_ids(library, on=date(2026, 12, 31))


def test_submitting_needs_complete_metadata_and_content(library: Library) -> None:
    doc_id = _draft(library, source="")
    with pytest.raises(InvalidContent, match="来源"):
        library.transition(doc_id, Move.SUBMIT, "编辑甲")
    faq = library.save_faq(FaqInput(question="量子补贴怎么申请？", answer=""), "编辑甲")
    with pytest.raises(InvalidContent):
        library.transition(faq.document.id, Move.SUBMIT, "编辑甲")


def test_the_editor_corrects_the_split(library: Library) -> None:
    doc_id = _draft(library)
    chunks = library.get(doc_id).document.chunks
    assert [c.label for c in chunks] == [None, "第一条", "第二条", "第三条"]
    _title, first, second, third = chunks
    # remove the title line, merge the next two, keep the last as it was, add one
    view = library.replace_chunks(doc_id, [
        ChunkInput(section=first.section, text=first.text + second.text, id=first.id),
        ChunkInput(section=third.section, text=third.text, id=third.id, label=third.label),
        ChunkInput(section="附则", text="本细则由市科技局负责解释。"),
    ], "编辑甲")
    merged, kept, added = view.document.chunks
    assert merged.id == first.id and "最高200万元" in merged.text
    assert any("最高200万元" in s for s in merged.search_texts)  # re-derived sentences
    assert kept == third
    assert added.id == f"{doc_id}#5" and added.section == "附则"
    with pytest.raises(InvalidContent):
        library.replace_chunks(doc_id, [ChunkInput(section="x", text="  ")], "编辑甲")


def test_faqs_are_drafted_edited_and_published_with_their_citation(library: Library) -> None:
    view = library.save_faq(FaqInput(question="量子算力补贴最高多少？", answer="",
                                     paraphrases=("量子补贴封顶多少",)), "编辑甲")
    doc_id = view.document.id
    view = library.save_faq(FaqInput(
        question="量子算力补贴最高多少？", answer="每家企业每年最高200万元。",
        paraphrases=("量子补贴封顶多少", "算力补贴上限"), title="量子算力补贴细则",
        issuer="武汉市科学技术局", doc_number="武科规〔2026〕1号", section="第二条",
        source="测试"), "编辑甲", doc_id)
    chunk = view.document.chunks[0]
    assert chunk.answer == "每家企业每年最高200万元。" and chunk.section == "第二条"
    assert chunk.search_texts == ("量子算力补贴最高多少？", "量子补贴封顶多少", "算力补贴上限")
    library.transition(doc_id, Move.SUBMIT, "编辑甲")
    library.transition(doc_id, Move.PUBLISH, "管理员")
    assert doc_id in served_ids(library)


def test_synonyms_are_edited_and_audited(library: Library,
                                         sessions: sessionmaker[Session]) -> None:
    library.set_synonym("量子补贴", "量子科技企业算力补贴", "编辑甲")
    library.set_synonym("量子补贴", "量子算力补贴", "编辑甲")
    assert library.synonyms() == {"量子补贴": "量子算力补贴"}
    library.delete_synonym("量子补贴", "编辑甲")
    assert library.synonyms() == {}
    entries = AuditLog(sessions).entries("synonym")
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("delete", {"term": "量子补贴", "canonical": "量子算力补贴"}, None),
        ("edit", {"term": "量子补贴", "canonical": "量子科技企业算力补贴"},
         {"term": "量子补贴", "canonical": "量子算力补贴"}),
        ("create", None, {"term": "量子补贴", "canonical": "量子科技企业算力补贴"})]


def test_uploads_are_read_and_split_at_their_headings() -> None:
    import docx

    document = docx.Document()
    for line in POLICY.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    chunks = split_text("p", read_upload("细则.docx", buffer.getvalue()))
    assert [c.label for c in chunks] == [None, "第一条", "第二条", "第三条"]
    assert chunks[2].section == "第二条2026年量子算力补贴"
    notice = (DEFAULT_DATA_DIR / "notice").glob("*.txt")
    text = next(iter(notice)).read_text(encoding="utf-8")
    clauses = split_text("n", text)
    assert clauses[0].section == "通知导语" and clauses[8].section.startswith("（八）")
    numbered = split_text("m", "1. 申请条件。企业须在汉注册。\n2. 申请材料。营业执照。")
    assert [c.section for c in numbered] == ["1. 申请条件", "2. 申请材料"]
    with pytest.raises(UploadError):
        read_upload("x.exe", b"MZ")
    with pytest.raises(UploadError):
        read_upload("x.docx", b"not a zip")
