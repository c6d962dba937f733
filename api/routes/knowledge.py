"""The knowledge library for editors and admins: documents (upload, split, edit, life cycle,
versions, restore), FAQs, synonyms, re-index jobs; and problem group → FAQ draft."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.routes.problems import ProblemsDep
from api.runtime import Runtime
from api.schemas import MAX_DB_ID
from hotline.library.content import Metadata, faq_fields
from hotline.library.indexing import JobView
from hotline.library.lifecycle import MOVES, Move, TransitionError
from hotline.library.rasa_export import rasa_synonyms_yaml
from hotline.library.service import (
    Change,
    ChunkInput,
    DocumentExists,
    DocumentNotFound,
    DocumentView,
    FaqInput,
    InvalidContent,
    VersionView,
    new_document_id,
)
from hotline.library.splitting import UploadError, read_upload, split_text
from hotline.problems.service import ProblemNotFound
from hotline.security.accounts import StaffMember
from hotline.security.roles import allowed
from hotline.subscriptions.service import UnknownTopic
from hotline.subscriptions.topics import TOPICS
from knowledge.models import DocKind

PREFIX = "/api/admin/knowledge"
UPLOAD_PATH = f"{PREFIX}/documents/upload"
router = APIRouter(prefix=PREFIX, tags=["admin", "knowledge"])
problem_drafts = APIRouter(prefix="/api/admin/problems", tags=["admin", "knowledge"])

Reader = Annotated[StaffMember, Depends(require("knowledge.read"))]
Editor = Annotated[StaffMember, Depends(require("knowledge.edit"))]
Publisher = Annotated[StaffMember, Depends(require("knowledge.publish"))]
DocId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Term = Annotated[str, Path(min_length=1, max_length=64)]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
JobId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
EditableKind = Literal["notice", "policy", "guide"]
T = TypeVar("T")
Short = Annotated[str, Field(max_length=200)]


class MetadataBody(BaseModel):
    """A document's provenance."""

    title: str = Field(max_length=200)
    issuer: str = Field(default="", max_length=100)
    source: str = Field(default="", max_length=500)
    doc_number: str | None = Field(default=None, max_length=64)
    effective_date: date | None = None
    expiry_date: date | None = None


class UploadBody(MetadataBody):
    """A file (txt, md, docx, pdf) as base64, and its metadata; the title defaults to the
    file name."""

    filename: str = Field(min_length=1, max_length=200, examples=["2026年补贴通知.docx"])
    content_base64: str = Field(min_length=1, max_length=11_500_000)
    kind: EditableKind = "policy"
    title: str = Field(default="", max_length=200)


class ChunkBody(BaseModel):
    """A chunk as the editor corrected it (``id`` of an existing chunk, or none for a new)."""

    id: str | None = Field(default=None, max_length=100)
    section: str = Field(max_length=200)
    label: str | None = Field(default=None, max_length=100)
    text: str = Field(max_length=20_000)


class ChunksBody(BaseModel):
    """The whole corrected split, in order."""

    chunks: list[ChunkBody] = Field(max_length=2000)


class TransitionBody(BaseModel):
    """submit (editors), return / publish / withdraw (admins)."""

    move: Move


class FaqBody(BaseModel):
    """An FAQ: question, paraphrases, answer and the document and clause it cites."""

    question: str = Field(max_length=500)
    paraphrases: list[Short] = Field(default_factory=list, max_length=50)
    answer: str = Field(default="", max_length=5000)
    title: str = Field(default="", max_length=200)
    issuer: str = Field(default="", max_length=100)
    doc_number: str | None = Field(default=None, max_length=64)
    section: str | None = Field(default=None, max_length=200)
    source: str = Field(default="", max_length=500)
    effective_date: date | None = None
    expiry_date: date | None = None


class SynonymBody(BaseModel):
    """The official term(s) a colloquial term stands for."""

    canonical: str = Field(min_length=1, max_length=200, examples=["高新技术企业"])


# -- views -----------------------------------------------------------------------------------
def document_summary(view: DocumentView) -> dict[str, Any]:
    """A document in the list."""
    document = view.document
    return {"id": document.id, "kind": str(document.kind), "title": document.title,
            "issuer": document.issuer, "doc_number": document.doc_number,
            "effective_date": document.effective_date, "expiry_date": document.expiry_date,
            "source": document.source, "state": str(view.state), "state_label": view.state_label,
            "live_version": view.live_version, "chunks": len(document.chunks),
            "updated_at": view.updated_at.isoformat(), "updated_by": view.updated_by,
            "seeded": view.seeded}


def document_detail(view: DocumentView) -> dict[str, Any]:
    """A document with its chunks (and, for an FAQ, its question and answer)."""
    detail = document_summary(view)
    detail["chunk_list"] = [{"id": c.id, "section": c.section, "label": c.label,
                             "text": c.text, "answer": c.answer,
                             "search_texts": list(c.search_texts)}
                            for c in view.document.chunks]
    if view.document.kind == DocKind.FAQ and view.document.chunks:
        detail["faq"] = faq_fields(view.document.chunks[0])
    return detail


def version_view(version: VersionView) -> dict[str, Any]:
    """A version in the list."""
    return {"number": version.number, "content_version": version.content_version,
            "note": version.note, "created_at": version.created_at.isoformat(),
            "created_by": version.created_by, "title": version.document.title,
            "chunks": len(version.document.chunks)}


def job_view(job: JobView) -> dict[str, Any]:
    """A re-index job with its progress."""
    return {"id": job.id, "state": job.state, "state_label": job.state_label,
            "done": job.done, "total": job.total, "detail": job.detail, "reason": job.reason,
            "requested_by": job.requested_by, "build": job.build,
            "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat()}


async def _call(func: Callable[[], T]) -> T:
    """Run a library call in the thread pool, mapping its errors to 404 / 409 / 422."""
    try:
        return await run_in_threadpool(func)
    except DocumentNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到：{exc} / not found") from None
    except (TransitionError, DocumentExists) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except (InvalidContent, UploadError) as exc:
        raise HTTPException(422, str(exc)) from exc


def _changed(runtime: Runtime, change: Change, reason: str, actor: str) -> dict[str, Any]:
    job = runtime.request_reindex(reason, actor) if change.served_changed else None
    return {"document": document_detail(change.view), "index_job": job}


def _metadata(kind: DocKind, body: MetadataBody) -> Metadata:
    return Metadata(kind, body.title, body.issuer, body.source, body.doc_number,
                    body.effective_date, body.expiry_date)


# -- documents -------------------------------------------------------------------------------
@router.get("/documents")
async def read_documents(runtime: RuntimeDep, member: Reader,
                         kind: Annotated[Literal["notice", "policy", "guide", "faq"] | None,
                                         Query()] = None,
                         state: Annotated[Literal["draft", "in_review", "published",
                                                  "withdrawn"] | None, Query()] = None
                         ) -> dict[str, Any]:
    """Every document (seed order, then uploads), optionally of one kind or state."""
    views = await _call(lambda: runtime.library.documents(kind, state))
    return {"data": [document_summary(v) for v in views], "count": len(views)}


@router.post("/documents/upload", status_code=status.HTTP_201_CREATED)
async def upload_document(body: UploadBody, runtime: RuntimeDep,
                          member: Editor) -> dict[str, Any]:
    """A txt / md / docx / pdf file → a draft split into clauses or sections, to correct."""
    try:
        data = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(422, "文件内容不是有效的 base64 / invalid base64") from None
    kind = DocKind(body.kind)
    doc_id = new_document_id(kind)

    def create() -> DocumentView:
        chunks = split_text(doc_id, read_upload(body.filename, data))
        if not chunks:
            raise UploadError("没有从文件中分出任何条款")
        title = body.title.strip() or body.filename.rsplit(".", 1)[0][:200]
        metadata = _metadata(kind, body.model_copy(update={"title": title}))
        return runtime.library.create(metadata, chunks, member.name, doc_id)

    return document_detail(await _call(create))


@router.get("/documents/{doc_id}")
async def read_document(doc_id: DocId, runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """One document's working copy with its chunks."""
    return document_detail(await _call(lambda: runtime.library.get(doc_id)))


@router.put("/documents/{doc_id}/metadata")
async def update_metadata(doc_id: DocId, body: MetadataBody, runtime: RuntimeDep,
                          member: Editor) -> dict[str, Any]:
    """Change title, issuer, 文号, dates, source (a published document gets a draft revision)."""
    def update() -> DocumentView:
        kind = runtime.library.get(doc_id).document.kind
        return runtime.library.update_metadata(doc_id, _metadata(kind, body), member.name)
    return document_detail(await _call(update))


@router.put("/documents/{doc_id}/chunks")
async def update_chunks(doc_id: DocId, body: ChunksBody, runtime: RuntimeDep,
                        member: Editor) -> dict[str, Any]:
    """Save the corrected split (edited, merged, split, added or removed chunks)."""
    chunks = [ChunkInput(section=c.section, text=c.text, id=c.id, label=c.label)
              for c in body.chunks]
    return document_detail(await _call(
        lambda: runtime.library.replace_chunks(doc_id, chunks, member.name)))


@router.post("/documents/{doc_id}/transitions")
async def transition_document(doc_id: DocId, body: TransitionBody, runtime: RuntimeDep,
                              member: Editor) -> dict[str, Any]:
    """submit for review (editors); return, publish, withdraw (admins). Publishing and
    withdrawing re-index in the background (``index_job``)."""
    scope = MOVES[body.move][2]
    if not allowed(member.role, scope):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"您的角色没有此权限 / role {member.role!r} lacks {scope!r}")
    change = await _call(lambda: runtime.library.transition(doc_id, body.move, member.name))
    return _changed(runtime, change, f"{body.move} {doc_id}", member.name)


@router.get("/documents/{doc_id}/versions")
async def read_versions(doc_id: DocId, runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """The document's published versions, newest first."""
    versions = await _call(lambda: runtime.library.versions(doc_id))
    return {"data": [version_view(v) for v in versions], "count": len(versions)}


@router.post("/documents/{doc_id}/versions/{number}/restore")
async def restore_version(doc_id: DocId, number: VersionNumber, runtime: RuntimeDep,
                          member: Publisher) -> dict[str, Any]:
    """(Admins) publish an older version again, as a new version; re-indexes."""
    change = await _call(lambda: runtime.library.restore(doc_id, number, member.name))
    return _changed(runtime, change, f"restore {doc_id} v{number}", member.name)


# -- topics (subscriptions) ------------------------------------------------------------------
TopicKey = Literal["high_tech", "projects", "transfer", "incubators", "talent", "finance",
                   "commissioners"]


class TopicsBody(BaseModel):
    """The subscription topics a document or FAQ is tagged with (keys, see ``available``)."""

    topics: list[TopicKey] = Field(max_length=len(TOPICS))


def _topics_view(doc_id: str, keys: list[str]) -> dict[str, Any]:
    return {"document_id": doc_id, "topics": keys,
            "available": [{"key": t.key, "name": t.name} for t in TOPICS]}


@router.get("/documents/{doc_id}/topics")
async def read_document_topics(doc_id: DocId, runtime: RuntimeDep,
                               member: Reader) -> dict[str, Any]:
    """The document's subscription topics, and every topic there is."""
    def read() -> list[str]:
        runtime.library.get(doc_id)  # 404 when unknown
        return runtime.subscriptions.document_topics(doc_id)
    return _topics_view(doc_id, await _call(read))


@router.put("/documents/{doc_id}/topics")
async def update_document_topics(doc_id: DocId, body: TopicsBody, runtime: RuntimeDep,
                                 member: Publisher) -> dict[str, Any]:
    """(Admins) tag a document or FAQ with topics: its next publish tells their subscribers
    (restoring an old version tells nobody)."""
    def update() -> list[str]:
        runtime.library.get(doc_id)
        try:
            return runtime.subscriptions.set_document_topics(doc_id, list(body.topics),
                                                             member.name)
        except UnknownTopic as exc:
            raise InvalidContent(f"没有这个订阅主题：{exc}") from exc
    return _topics_view(doc_id, await _call(update))


# -- FAQs ------------------------------------------------------------------------------------
def _faq(body: FaqBody) -> FaqInput:
    return FaqInput(question=body.question, answer=body.answer,
                    paraphrases=tuple(body.paraphrases), title=body.title, issuer=body.issuer,
                    doc_number=body.doc_number, section=body.section, source=body.source,
                    effective_date=body.effective_date, expiry_date=body.expiry_date)


@router.get("/faqs")
async def read_faqs(runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """Every FAQ with its question, paraphrases, answer and citation."""
    views = await _call(lambda: runtime.library.documents("faq"))
    return {"data": [document_detail(v) for v in views], "count": len(views)}


@router.post("/faqs", status_code=status.HTTP_201_CREATED)
async def create_faq(body: FaqBody, runtime: RuntimeDep, member: Editor) -> dict[str, Any]:
    """A new FAQ draft."""
    return document_detail(await _call(lambda: runtime.library.save_faq(_faq(body),
                                                                        member.name)))


@router.put("/faqs/{doc_id}")
async def update_faq(doc_id: DocId, body: FaqBody, runtime: RuntimeDep,
                     member: Editor) -> dict[str, Any]:
    """Change an FAQ (a published one gets a draft revision)."""
    return document_detail(await _call(
        lambda: runtime.library.save_faq(_faq(body), member.name, doc_id)))


# -- synonyms --------------------------------------------------------------------------------
@router.get("/synonyms")
async def read_synonyms(runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """Colloquial or abbreviated term → official term(s), as retrieval's tokenizer uses them."""
    synonyms = await _call(runtime.library.synonyms)
    return {"data": [{"term": t, "canonical": c} for t, c in synonyms.items()],
            "count": len(synonyms)}


@router.put("/synonyms/{term}")
async def put_synonym(term: Term, body: SynonymBody, runtime: RuntimeDep,
                      member: Editor) -> dict[str, Any]:
    """Add or change a synonym; re-indexes in the background (the tokenizer changes)."""
    saved = await _call(lambda: runtime.library.set_synonym(term, body.canonical, member.name))
    return {**saved, "index_job": runtime.request_reindex(f"synonym {term}", member.name)}


@router.delete("/synonyms/{term}")
async def delete_synonym(term: Term, runtime: RuntimeDep, member: Editor) -> dict[str, Any]:
    """Remove a synonym; re-indexes in the background."""
    await _call(lambda: runtime.library.delete_synonym(term, member.name))
    return {"term": term, "deleted": True,
            "index_job": runtime.request_reindex(f"synonym {term} deleted", member.name)}


@router.get("/synonyms/rasa.yml", response_class=PlainTextResponse)
async def export_rasa_synonyms(runtime: RuntimeDep, member: Reader) -> PlainTextResponse:
    """The synonyms as Rasa NLU entity synonyms (a YAML file for bot/data)."""
    synonyms = await _call(runtime.library.synonyms)
    return PlainTextResponse(rasa_synonyms_yaml(synonyms), media_type="text/yaml; charset=utf-8")


# -- index jobs ------------------------------------------------------------------------------
@router.get("/index/jobs")
async def read_jobs(runtime: RuntimeDep, member: Reader,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Re-index jobs, newest first, with progress; and the build being served."""
    jobs = await _call(lambda: runtime.index_jobs.jobs(limit))
    return {"data": [job_view(j) for j in jobs], "count": len(jobs),
            "serving": runtime.index_state.serving, "detail": runtime.index_state.detail}


@router.get("/index/jobs/{job_id}")
async def read_job(job_id: JobId, runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """One re-index job."""
    job = await _call(lambda: runtime.index_jobs.job(job_id))
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个索引任务 / no such job")
    return job_view(job)


@router.post("/index/jobs", status_code=status.HTTP_202_ACCEPTED)
async def start_job(runtime: RuntimeDep, member: Publisher) -> dict[str, Any]:
    """(Admins) re-index now (e.g. after changing the embedding model: a full rebuild)."""
    job_id = await _call(lambda: runtime.request_reindex("manual", member.name))
    job = runtime.index_jobs.job(job_id)
    assert job is not None
    return job_view(job)


# -- problem list → FAQ draft ----------------------------------------------------------------
@problem_drafts.post("/{group_id}/faq-draft", status_code=status.HTTP_201_CREATED)
async def create_faq_draft(group_id: Annotated[str, Path(min_length=1, max_length=64)],
                           runtime: RuntimeDep, problems: ProblemsDep,
                           member: Editor) -> dict[str, Any]:
    """An FAQ draft from an open problem group: its representative question as the question,
    the other questions as paraphrases; the editor adds the answer and the citation."""
    def draft() -> DocumentView:
        group = next((g for g in problems.groups("open") if g.id == group_id), None)
        if group is None:
            raise ProblemNotFound(group_id)
        others = [i.text.strip() for i in group.items if i.text.strip() != group.label.strip()]
        paraphrases = tuple(dict.fromkeys(t[:200] for t in others if t))[:20]
        faq = FaqInput(question=group.label.strip()[:500], answer="", paraphrases=paraphrases)
        return runtime.library.save_faq(faq, member.name)

    try:
        return document_detail(await _call(draft))
    except ProblemNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"没有找到待处理的问题组 {group_id} / no such open group") from None
