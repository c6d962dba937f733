"""Suggested answers for staff: every candidate, ranked, each marked reliable or not."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answers import cite
from assistant.shapes import Citation
from knowledge.corpus import KnowledgeBase
from retrieval.searcher import HybridSearcher


@dataclass(frozen=True, slots=True)
class SuggestedAnswer:
    """One candidate answer for staff to use or adapt."""

    text: str
    confidence: float
    reliable: bool
    citation: Citation


def suggest(knowledge: KnowledgeBase, searcher: HybridSearcher, question: str, k: int,
            threshold: float) -> list[SuggestedAnswer]:
    """The ``k`` best candidate answers with their own calibrated confidence."""
    result = searcher.search(question, k=k)
    if result.top is None:
        return []
    suggestions = []
    for hit in result.hits:
        chunk = knowledge.chunk(hit.chunk_id)
        confidence = round(hit.confidence, 4)
        suggestions.append(SuggestedAnswer(
            text=chunk.answer if chunk.answer is not None else chunk.text,
            confidence=confidence, reliable=confidence >= threshold,
            citation=cite(knowledge, hit)))
    return suggestions
