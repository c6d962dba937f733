"""The library: documents' working copies, their life cycle and versions, FAQs, synonyms.

Every change is written to the audit log (before/after) in its own transaction. Methods
raise :class:`DocumentNotFound`, :class:`InvalidContent`, :class:`DocumentExists` or
:class:`~hotline.library.lifecycle.TransitionError`; the web layer maps them to 404/422/409.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import record
from hotline.db import read_sessions, retry_locked
from hotline.library.content import (
    Metadata,
    chunks_from_text,
    chunks_to_text,
    clause_chunk,
    document_from_json,
    document_to_json,
    faq_chunk,
)
from hotline.library.lifecycle import (
    EDITABLE,
    STATE_LABELS,
    Move,
    State,
    TransitionError,
    target_of,
)
from hotline.library.models import LibraryDocument, LibrarySynonym, LibraryVersion
from knowledge.models import Chunk, DocKind, Document

AUDIT_KIND = "document"
SYNONYM_KIND = "synonym"


class DocumentNotFound(LookupError):
    """No document (or version) with that id."""


class DocumentExists(ValueError):
    """A document with that id exists already."""


class InvalidContent(ValueError):
    """The content cannot be saved or submitted as it is (the message says why, in Chinese)."""


@dataclass(frozen=True, slots=True)
class ChunkInput:
    """A chunk as the editor sends it; ``id`` names an existing chunk of the document."""

    section: str
    text: str
    id: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class FaqInput:
    """An FAQ: question, paraphrases, answer and what it cites (document and clause)."""

    question: str
    answer: str
    paraphrases: tuple[str, ...] = ()
    title: str = ""  # the cited document
    issuer: str = ""
    doc_number: str | None = None
    section: str | None = None  # the cited clause, e.g. （八）优化高企认定服务流程
    source: str = ""
    effective_date: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document's working copy, its state and the version served."""

    document: Document
    state: State
    live_version: int | None
    updated_at: datetime
    updated_by: str
    seeded: bool

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class VersionView:
    """One immutable version."""

    number: int
    content_version: str
    note: str
    created_at: datetime
    created_by: str
    document: Document


@dataclass(frozen=True, slots=True)
class Change:
    """What a write did: the document now, and whether what is served changed."""

    view: DocumentView
    served_changed: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _document(row: LibraryDocument) -> Document:
    return Document(id=row.id, kind=DocKind(row.kind), title=row.title, issuer=row.issuer,
                    source=row.source, doc_number=row.doc_number,
                    effective_date=row.effective_date, expiry_date=row.expiry_date,
                    chunks=chunks_from_text(row.chunks, row.id))


def _view(row: LibraryDocument) -> DocumentView:
    return DocumentView(_document(row), State(row.state), row.live_version, row.updated_at,
                        row.updated_by, row.seed_version is not None)


def _audit_view(row: LibraryDocument) -> dict[str, Any]:
    data = document_to_json(_document(row))
    data["chunks"] = [{"id": c["id"], "section": c["section"], "text": c["text"],
                       **({"answer": c["answer"]} if c["answer"] else {})}
                      for c in data["chunks"]]
    return {**data, "state": row.state, "live_version": row.live_version}


def _apply(row: LibraryDocument, document: Document) -> None:
    row.kind, row.title, row.issuer, row.source = (str(document.kind), document.title,
                                                   document.issuer, document.source)
    row.doc_number = document.doc_number
    row.effective_date, row.expiry_date = document.effective_date, document.expiry_date
    row.chunks = chunks_to_text(document.chunks)


def check_publishable(document: Document) -> None:
    """Raise :class:`InvalidContent` unless the document can be reviewed and published."""
    missing = [name for name, value in (("标题", document.title), ("发文单位", document.issuer),
                                        ("来源", document.source)) if not value.strip()]
    if missing:
        raise InvalidContent(f"请填写{'、'.join(missing)}")
    if not document.chunks:
        raise InvalidContent("文档没有任何条款，请先添加内容")
    for n, chunk in enumerate(document.chunks, start=1):
        if not chunk.text.strip() or not chunk.section.strip():
            raise InvalidContent(f"第{n}段缺少标题或正文")
        if document.kind == DocKind.FAQ and not (chunk.answer or "").strip():
            raise InvalidContent("问答缺少答案")
    if document.effective_date and document.expiry_date and \
            document.expiry_date <= document.effective_date:
        raise InvalidContent("失效日期必须晚于生效日期")


def new_document_id(kind: DocKind | str) -> str:
    """A fresh id for an uploaded or new document."""
    return f"{kind}-{datetime.now(UTC):%Y%m%d}-{uuid.uuid4().hex[:6]}"


class Library:
    """Reads and changes the library (one instance per process; thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        # called as hook(session, document, version number) inside a publish's transaction
        # (e.g. announcing it to subscribers); an error rolls the publish back. Restoring
        # an old version and the seed import call none.
        self.publish_hooks: list[Callable[[Session, Document, int], None]] = []

    # -- reading -----------------------------------------------------------------------------
    def documents(self, kind: str | None = None, state: str | None = None) -> list[DocumentView]:
        """Every document (in seed order, then newest), optionally of one kind or state."""
        query = select(LibraryDocument).order_by(LibraryDocument.position)
        if kind:
            query = query.where(LibraryDocument.kind == kind)
        if state:
            query = query.where(LibraryDocument.state == state)
        with self._reads() as session:
            return [_view(row) for row in session.scalars(query)]

    def get(self, doc_id: str) -> DocumentView:
        """One document's working copy; :class:`DocumentNotFound` if unknown."""
        with self._reads() as session:
            row = session.get(LibraryDocument, doc_id)
            if row is None:
                raise DocumentNotFound(doc_id)
            return _view(row)

    def versions(self, doc_id: str) -> list[VersionView]:
        """A document's versions, newest first."""
        with self._reads() as session:
            if session.get(LibraryDocument, doc_id) is None:
                raise DocumentNotFound(doc_id)
            rows = session.scalars(select(LibraryVersion).where(
                LibraryVersion.document_id == doc_id).order_by(LibraryVersion.number.desc()))
            return [VersionView(r.number, r.content_version, r.note, r.created_at, r.created_by,
                                document_from_json(json.loads(r.snapshot))) for r in rows]

    def published_documents(self, on: date | None = None) -> list[Document]:
        """What is served: each live version whose document has not expired (``on`` today)."""
        day = on or date.today()
        query = (select(LibraryVersion.snapshot)
                 .join(LibraryDocument, (LibraryDocument.id == LibraryVersion.document_id)
                       & (LibraryDocument.live_version == LibraryVersion.number))
                 .order_by(LibraryDocument.position))
        with self._reads() as session:
            snapshots = list(session.scalars(query))
        documents = [document_from_json(json.loads(s)) for s in snapshots]
        return [d for d in documents if not (d.expiry_date and day >= d.expiry_date)]

    def count(self) -> int:
        """How many documents there are."""
        with self._reads() as session:
            return int(session.scalar(select(func.count()).select_from(LibraryDocument)) or 0)

    # -- writing documents -------------------------------------------------------------------
    @retry_locked
    def create(self, metadata: Metadata, chunks: Sequence[Chunk], actor: str,
               doc_id: str | None = None) -> DocumentView:
        """A new draft."""
        return self._create(metadata, chunks, actor, doc_id)

    def _create(self, metadata: Metadata, chunks: Sequence[Chunk], actor: str,
                doc_id: str | None) -> DocumentView:
        doc_id = doc_id or new_document_id(metadata.kind)
        document = Document(id=doc_id, kind=metadata.kind, title=metadata.title.strip(),
                            issuer=metadata.issuer.strip(), source=metadata.source.strip(),
                            doc_number=metadata.doc_number or None,
                            effective_date=metadata.effective_date,
                            expiry_date=metadata.expiry_date,
                            chunks=tuple(replace(c, doc_id=doc_id) for c in chunks))
        with self._sessions.begin() as session:
            if session.get(LibraryDocument, doc_id) is not None:
                raise DocumentExists(f"文档 {doc_id} 已存在")
            position = int(session.scalar(select(func.max(LibraryDocument.position))) or 0) + 1
            row = LibraryDocument(id=doc_id, state=State.DRAFT, position=position,
                                  updated_by=actor, updated_at=_now())
            _apply(row, document)
            session.add(row)
            record(session, actor, "create", AUDIT_KIND, doc_id, None, _audit_view(row))
            return _view(row)

    def _editable(self, session: Session, doc_id: str) -> LibraryDocument:
        row = session.get(LibraryDocument, doc_id)
        if row is None:
            raise DocumentNotFound(doc_id)
        if State(row.state) not in EDITABLE:
            raise TransitionError("文档正在审核中，请先退回修改再编辑")
        return row

    def _edit(self, doc_id: str, actor: str, action: str, change: Any) -> DocumentView:
        with self._sessions.begin() as session:
            row = self._editable(session, doc_id)
            before = _audit_view(row)
            document = change(_document(row))
            _apply(row, document)
            row.state = State.DRAFT
            row.updated_by, row.updated_at = actor, _now()
            record(session, actor, action, AUDIT_KIND, doc_id, before, _audit_view(row))
            return _view(row)

    @retry_locked
    def update_metadata(self, doc_id: str, metadata: Metadata, actor: str) -> DocumentView:
        """Change title, issuer, 文号, dates, source (the working copy becomes a draft)."""
        def change(document: Document) -> Document:
            if metadata.kind != document.kind:
                raise InvalidContent("不能修改文档类型")
            return replace(document, title=metadata.title.strip(),
                           issuer=metadata.issuer.strip(), source=metadata.source.strip(),
                           doc_number=metadata.doc_number or None,
                           effective_date=metadata.effective_date,
                           expiry_date=metadata.expiry_date)
        return self._edit(doc_id, actor, "edit_metadata", change)

    @retry_locked
    def replace_chunks(self, doc_id: str, chunks: Sequence[ChunkInput],
                       actor: str) -> DocumentView:
        """The editor's corrected split (edited, merged, split, added, removed chunks).

        A chunk kept unchanged (same id and text) keeps its extra search texts; a changed or
        new one is re-derived from its text. FAQs are edited with :meth:`save_faq`.
        """
        def change(document: Document) -> Document:
            if document.kind == DocKind.FAQ:
                raise InvalidContent("问答请在问答编辑中修改")
            existing = {c.id: c for c in document.chunks}
            used = {c.id for c in document.chunks}
            numbers = [int(i.rsplit("#", 1)[1]) for i in used
                       if i.rsplit("#", 1)[-1].isdigit()]
            next_number = max(numbers, default=0) + 1
            result: list[Chunk] = []
            seen: set[str] = set()
            for item in chunks:
                text, section = item.text.strip(), item.section.strip()
                if not text:
                    continue
                old = existing.get(item.id or "")
                if old is not None and old.id not in seen and old.text == text:
                    result.append(replace(old, section=section or old.section,
                                          label=item.label if item.label is not None
                                          else old.label))
                    seen.add(old.id)
                    continue
                chunk_id = item.id if old is not None and item.id not in seen else None
                if chunk_id is None:
                    chunk_id = f"{doc_id}#{next_number}"
                    next_number += 1
                seen.add(chunk_id)
                result.append(clause_chunk(doc_id, chunk_id, section or "正文", text,
                                           item.label))
            if not result:
                raise InvalidContent("至少需要保留一段内容")
            return replace(document, chunks=tuple(result))
        return self._edit(doc_id, actor, "edit_chunks", change)

    @retry_locked
    def save_faq(self, faq: FaqInput, actor: str, doc_id: str | None = None) -> DocumentView:
        """Create an FAQ draft (``doc_id`` None) or change one."""
        if not faq.question.strip():
            raise InvalidContent("问题不能为空")
        if doc_id is None:
            new_id = new_document_id("faq")
            chunk = faq_chunk(new_id, faq.question, list(faq.paraphrases), faq.answer,
                              faq.section)
            metadata = Metadata(DocKind.FAQ, faq.title, faq.issuer, faq.source, faq.doc_number,
                                faq.effective_date, faq.expiry_date)
            return self._create(metadata, [chunk], actor, new_id)

        def change(document: Document) -> Document:
            if document.kind != DocKind.FAQ:
                raise InvalidContent("这不是问答文档")
            chunk = faq_chunk(document.id, faq.question, list(faq.paraphrases), faq.answer,
                              faq.section)
            return replace(document, title=faq.title.strip(), issuer=faq.issuer.strip(),
                           source=faq.source.strip(), doc_number=faq.doc_number or None,
                           effective_date=faq.effective_date, expiry_date=faq.expiry_date,
                           chunks=(chunk,))
        return self._edit(doc_id, actor, "edit_faq", change)

    # -- life cycle --------------------------------------------------------------------------
    @retry_locked
    def transition(self, doc_id: str, move: Move, actor: str) -> Change:
        """Submit, return, publish (a new version) or withdraw (stop serving)."""
        with self._sessions.begin() as session:
            row = session.get(LibraryDocument, doc_id)
            if row is None:
                raise DocumentNotFound(doc_id)
            state = State(row.state)
            target = target_of(move, state)
            before = _audit_view(row)
            served_changed = False
            if move in (Move.SUBMIT, Move.PUBLISH):
                check_publishable(_document(row))
            if move == Move.WITHDRAW:
                if row.live_version is None:
                    raise TransitionError("文档尚未发布，无需废止")
                row.live_version, served_changed = None, True
            if move == Move.PUBLISH:
                row.live_version = self._snapshot(session, row, actor, "publish")
                served_changed = True
                session.flush()
                for hook in self.publish_hooks:
                    hook(session, _document(row), row.live_version)
            row.state = target
            row.updated_by, row.updated_at = actor, _now()
            record(session, actor, str(move), AUDIT_KIND, doc_id, before, _audit_view(row))
            return Change(_view(row), served_changed)

    @retry_locked
    def restore(self, doc_id: str, number: int, actor: str) -> Change:
        """Publish version ``number`` again, as a new version (the working copy follows)."""
        with self._sessions.begin() as session:
            row = session.get(LibraryDocument, doc_id)
            if row is None:
                raise DocumentNotFound(doc_id)
            if State(row.state) == State.IN_REVIEW:
                raise TransitionError("文档正在审核中，请先退回再恢复历史版本")
            old = session.scalar(select(LibraryVersion).where(
                LibraryVersion.document_id == doc_id, LibraryVersion.number == number))
            if old is None:
                raise DocumentNotFound(f"{doc_id} v{number}")
            before = _audit_view(row)
            _apply(row, document_from_json(json.loads(old.snapshot)))
            row.live_version = self._snapshot(session, row, actor, f"restore v{number}")
            row.state = State.PUBLISHED
            row.updated_by, row.updated_at = actor, _now()
            record(session, actor, "restore", AUDIT_KIND, doc_id, before,
                   {**_audit_view(row), "restored_from": number})
            return Change(_view(row), True)

    def _snapshot(self, session: Session, row: LibraryDocument, actor: str, note: str) -> int:
        document = _document(row)
        number = int(session.scalar(select(func.max(LibraryVersion.number)).where(
            LibraryVersion.document_id == row.id)) or 0) + 1
        session.add(LibraryVersion(document_id=row.id, number=number,
                                   content_version=document.version, created_by=actor,
                                   snapshot=json.dumps(document_to_json(document),
                                                       ensure_ascii=False),
                                   note=note, created_at=_now()))
        return number

    # -- seed --------------------------------------------------------------------------------
    @retry_locked
    def import_seed_document(self, document: Document, actor: str = "seed") -> str:
        """Import one seed document: ``added``, ``updated`` (the seed changed and nobody had
        edited it in the database), ``unchanged`` or ``kept`` (edited here: the edit wins)."""
        with self._sessions.begin() as session:
            row = session.get(LibraryDocument, document.id)
            if row is None:
                position = int(session.scalar(select(func.max(LibraryDocument.position)))
                               or 0) + 1
                row = LibraryDocument(id=document.id, state=State.PUBLISHED, position=position,
                                      updated_by=actor, updated_at=_now(),
                                      seed_version=document.version)
                _apply(row, document)
                session.add(row)
                session.flush()
                row.live_version = self._snapshot(session, row, actor, "seed")
                record(session, actor, "seed", AUDIT_KIND, document.id, None, _audit_view(row))
                return "added"
            if row.seed_version == document.version:
                return "unchanged"
            if _document(row).version != row.seed_version or row.state != State.PUBLISHED:
                return "kept"
            before = _audit_view(row)
            _apply(row, document)
            row.seed_version = document.version
            row.live_version = self._snapshot(session, row, actor, "seed update")
            row.updated_by, row.updated_at = actor, _now()
            record(session, actor, "seed_update", AUDIT_KIND, document.id, before,
                   _audit_view(row))
            return "updated"

    # -- synonyms ----------------------------------------------------------------------------
    def synonyms(self) -> dict[str, str]:
        """Term → official term(s), alphabetical."""
        with self._reads() as session:
            rows = session.scalars(select(LibrarySynonym).order_by(LibrarySynonym.term))
            return {row.term: row.canonical for row in rows}

    @retry_locked
    def set_synonym(self, term: str, canonical: str, actor: str) -> dict[str, str]:
        """Add or change a synonym."""
        term, canonical = term.strip(), " ".join(canonical.split())
        if not term or not canonical:
            raise InvalidContent("词语和规范用语都不能为空")
        if term == canonical:
            raise InvalidContent("规范用语不能与词语相同")
        with self._sessions.begin() as session:
            row = session.get(LibrarySynonym, term)
            before = None if row is None else {"term": term, "canonical": row.canonical}
            if row is None:
                row = LibrarySynonym(term=term, canonical=canonical, updated_by=actor,
                                     updated_at=_now())
                session.add(row)
            else:
                row.canonical, row.updated_by, row.updated_at = canonical, actor, _now()
            after = {"term": term, "canonical": canonical}
            record(session, actor, "create" if before is None else "edit", SYNONYM_KIND, term,
                   before, after)
            return after

    @retry_locked
    def delete_synonym(self, term: str, actor: str) -> None:
        """Remove a synonym; :class:`DocumentNotFound` if there is none."""
        with self._sessions.begin() as session:
            row = session.get(LibrarySynonym, term)
            if row is None:
                raise DocumentNotFound(term)
            record(session, actor, "delete", SYNONYM_KIND, term,
                   {"term": term, "canonical": row.canonical}, None)
            session.delete(row)

    @retry_locked
    def seed_synonyms(self, synonyms: dict[str, str], actor: str = "seed") -> int:
        """Add the file's synonyms once: only while the table is empty. Returns how many."""
        with self._sessions.begin() as session:
            if session.scalar(select(func.count()).select_from(LibrarySynonym)):
                return 0
            for term, canonical in synonyms.items():
                session.add(LibrarySynonym(term=term, canonical=canonical, updated_by=actor,
                                           updated_at=_now()))
            if synonyms:
                record(session, actor, "seed", SYNONYM_KIND, "*", None,
                       {"count": len(synonyms)})
            return len(synonyms)
