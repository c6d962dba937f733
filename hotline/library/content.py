"""Documents and chunks as plain JSON (working copies and version snapshots), and FAQ chunks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from knowledge.chunking import split_sentences
from knowledge.models import Chunk, DocKind, Document


@dataclass(frozen=True, slots=True)
class Metadata:
    """A document's provenance, as the editor sees it."""

    kind: DocKind
    title: str
    issuer: str
    source: str
    doc_number: str | None = None
    effective_date: date | None = None
    expiry_date: date | None = None


def chunk_to_json(chunk: Chunk) -> dict[str, Any]:
    """A chunk as JSON (every field, so a round trip keeps the content version)."""
    return {"id": chunk.id, "section": chunk.section, "label": chunk.label, "text": chunk.text,
            "answer": chunk.answer, "search_texts": list(chunk.search_texts)}


def chunk_from_json(data: dict[str, Any], doc_id: str) -> Chunk:
    """The chunk of :func:`chunk_to_json`."""
    return Chunk(id=str(data["id"]), doc_id=doc_id, section=str(data["section"]),
                 text=str(data["text"]), label=data.get("label"), answer=data.get("answer"),
                 search_texts=tuple(str(t) for t in data.get("search_texts") or ()))


def chunks_to_text(chunks: tuple[Chunk, ...] | list[Chunk]) -> str:
    """Chunks as a JSON text (for a column)."""
    return json.dumps([chunk_to_json(c) for c in chunks], ensure_ascii=False)


def chunks_from_text(text: str, doc_id: str) -> tuple[Chunk, ...]:
    """The chunks of :func:`chunks_to_text`."""
    return tuple(chunk_from_json(item, doc_id) for item in json.loads(text or "[]"))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def document_to_json(document: Document) -> dict[str, Any]:
    """A whole document as JSON: a version snapshot."""
    return {"id": document.id, "kind": str(document.kind), "title": document.title,
            "issuer": document.issuer, "source": document.source,
            "doc_number": document.doc_number,
            "effective_date": _iso(document.effective_date),
            "expiry_date": _iso(document.expiry_date),
            "chunks": [chunk_to_json(c) for c in document.chunks]}


def document_from_json(data: dict[str, Any]) -> Document:
    """The document of :func:`document_to_json`."""
    doc_id = str(data["id"])
    return Document(
        id=doc_id, kind=DocKind(data["kind"]), title=data["title"], issuer=data["issuer"],
        source=data["source"], doc_number=data.get("doc_number"),
        effective_date=date.fromisoformat(data["effective_date"]) if data.get("effective_date")
        else None,
        expiry_date=date.fromisoformat(data["expiry_date"]) if data.get("expiry_date") else None,
        chunks=tuple(chunk_from_json(c, doc_id) for c in data.get("chunks") or ()))


def clause_chunk(doc_id: str, chunk_id: str, section: str, text: str,
                 label: str | None = None) -> Chunk:
    """A clause or section chunk; its sentences after the first are indexed too (prefixed
    with the section, as the notice's clauses are)."""
    sentences = split_sentences(text)
    return Chunk(id=chunk_id, doc_id=doc_id, section=section, label=label, text=text,
                 search_texts=tuple(f"{section}：{s}" for s in sentences[1:]))


def faq_chunk(doc_id: str, question: str, paraphrases: list[str], answer: str,
              section: str | None) -> Chunk:
    """An FAQ's one chunk, the way the seed FAQs are loaded (knowledge/loaders.py)."""
    question, answer = question.strip(), answer.strip()
    return Chunk(id=f"{doc_id}#1", doc_id=doc_id, section=section or question, label=section,
                 text=f"{question}\n{answer}", answer=answer,
                 search_texts=(question, *(p.strip() for p in paraphrases if p.strip())))


def faq_fields(chunk: Chunk) -> dict[str, Any]:
    """An FAQ chunk's question, paraphrases, answer and cited clause."""
    question = chunk.search_texts[0] if chunk.search_texts else chunk.text.split("\n")[0]
    return {"question": question, "paraphrases": list(chunk.search_texts[1:]),
            "answer": chunk.answer or "", "section": chunk.label}
