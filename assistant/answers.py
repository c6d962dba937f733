"""Turn search results into answers with citations — or an honest decline."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.shapes import Citation
from knowledge.corpus import KnowledgeBase
from knowledge.models import Chunk, DocKind, Document
from retrieval.searcher import SearchHit, SearchResult
from retrieval.units import UnitKind

SNIPPET_CHARS = 160
MAX_CITATIONS = 3
CO_CITATION_MARGIN = 0.015  # other hits this close to the best one are cited too


@dataclass(frozen=True, slots=True)
class ComposedAnswer:
    """An answer text, how sure we are, and where it comes from."""

    text: str
    confidence: float
    citations: list[Citation]
    verbatim_faq: bool


def _snippet(chunk: Chunk, hit: SearchHit) -> str:
    """The part of the chunk that matched: the matching sentence of a long clause, else its start."""
    if chunk.answer is not None:
        return _shorten(chunk.answer)
    if hit.best_unit.kind == UnitKind.SENTENCE:
        sentence = hit.best_unit.text.partition("：")[2] or hit.best_unit.text
        return _shorten(sentence)
    return _shorten(chunk.text)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def cite(knowledge: KnowledgeBase, hit: SearchHit) -> Citation:
    """The citation for one hit."""
    chunk = knowledge.chunk(hit.chunk_id)
    return _citation(knowledge, chunk, _snippet(chunk, hit), round(hit.dense, 4))


def cite_chunk(knowledge: KnowledgeBase, chunk: Chunk) -> Citation:
    """The citation of a chunk chosen by the enterprise, not found by a search (score 1)."""
    return _citation(knowledge, chunk, _shorten(chunk.answer or chunk.text), 1.0)


def _citation(knowledge: KnowledgeBase, chunk: Chunk, snippet: str, score: float) -> Citation:
    document = knowledge.document(chunk.doc_id)
    return Citation(doc_id=document.id, title=document.title, doc_number=document.doc_number,
                    section=chunk.section, snippet=snippet, score=score)


def compose_answer(knowledge: KnowledgeBase, result: SearchResult,
                   faq_verbatim_similarity: float) -> ComposedAnswer | None:
    """An answer from the best hit, citing it (and near-equal hits); None if nothing was found."""
    top = result.top
    if top is None:
        return None
    chunk = knowledge.chunk(top.chunk_id)
    document = knowledge.document(chunk.doc_id)
    citations = [cite(knowledge, top)]
    for hit in result.hits[1:]:
        if len(citations) >= MAX_CITATIONS or top.dense - hit.dense > CO_CITATION_MARGIN:
            break
        if knowledge.chunk(hit.chunk_id).doc_id != document.id or document.kind == DocKind.NOTICE:
            citations.append(cite(knowledge, hit))
    verbatim = (chunk.answer is not None and top.best_unit.kind == UnitKind.QUESTION
                and top.dense >= faq_verbatim_similarity)
    return ComposedAnswer(text=answer_text(document, chunk),
                          confidence=round(result.confidence, 4), citations=citations,
                          verbatim_faq=verbatim)


def answer_text(document: Document, chunk: Chunk) -> str:
    """What the assistant says when it answers with a chunk: an FAQ's answer, or the
    clause or section with its source."""
    kind, title = document.kind, document.title
    if chunk.answer is not None:
        return chunk.answer
    if kind == DocKind.NOTICE:
        body = chunk.text.removeprefix(chunk.label or "")
        return f"根据《{title}》{chunk.label}：\n{body}"
    if kind == DocKind.GUIDE:
        return f"{chunk.text}\n（来源：《{title}》{chunk.section}）"
    return f"根据《{title}》{chunk.section}：\n{chunk.text}"
