"""猜你想问: when no answer is sure enough, offer the closest topics instead of a bare decline.

A question the knowledge base cannot answer with confidence is still declined — no weak
match is passed off as an answer — but when its best candidates are not far off, the
decline offers them as buttons. Each button names one citable piece (an FAQ question, a
clause, a guide section) and carries its chunk in Rasa's ``/intent{entities}`` form,
``/ask_policy{"chunk":"<chunk id>"}``; choosing one answers exactly that piece, citing it.
The enterprise decides what it meant, in one tap. The Rasa action and the direct path both
go through :meth:`assistant.assistant.DirectAssistant.policy`, so they offer and answer alike.
"""

from __future__ import annotations

import json
import re
from datetime import date

from assistant.answers import ComposedAnswer, answer_text, cite_chunk
from knowledge.corpus import KnowledgeBase
from knowledge.models import Chunk, DocKind
from retrieval.searcher import SearchResult

MAX_CHOICES = 3
LABEL_CHARS = 22  # a button's title, at most (phones show about this much on one line)
_CHOICE_PAYLOAD = re.compile(r"^/ask_policy(\{.*\})$")


def choice_payload(chunk_id: str) -> str:
    """The button payload that asks for one chunk."""
    return "/ask_policy" + json.dumps({"chunk": chunk_id}, ensure_ascii=False)


def chosen_chunk(text: str) -> str | None:
    """The chunk id a choice button carries, or None for any other message."""
    match = _CHOICE_PAYLOAD.match(text.strip())
    if match is None:
        return None
    try:
        entities = json.loads(match.group(1))
    except ValueError:
        return None
    chunk = entities.get("chunk") if isinstance(entities, dict) else None
    return chunk if isinstance(chunk, str) and chunk else None


def choice_label(knowledge: KnowledgeBase, chunk: Chunk) -> str:
    """What a button says for a chunk: the FAQ's question, else the clause or section."""
    document = knowledge.document(chunk.doc_id)
    if document.kind == DocKind.FAQ and chunk.search_texts:
        label = chunk.search_texts[0]
    elif document.kind == DocKind.NOTICE:
        body = " ".join(chunk.text.removeprefix(chunk.label or "").split())
        label = f"{chunk.label or chunk.section}{body}"
    else:
        label = f"{document.title}·{chunk.section}"
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def choices(knowledge: KnowledgeBase, result: SearchResult, floor: float
            ) -> list[tuple[str, str]]:
    """(title, payload) of the best candidates whose confidence reaches ``floor``, best
    first, one per distinct title; empty when none is close enough to offer."""
    offered: list[tuple[str, str]] = []
    for hit in result.hits:
        if len(offered) >= MAX_CHOICES or hit.confidence < floor:
            break
        label = choice_label(knowledge, knowledge.chunk(hit.chunk_id))
        if all(label != title for title, _ in offered):
            offered.append((label, choice_payload(hit.chunk_id)))
    return offered


def chosen_answer(knowledge: KnowledgeBase, chunk_id: str) -> ComposedAnswer | None:
    """The answer of the chunk the enterprise chose (None if no such chunk is served)."""
    try:
        chunk = knowledge.chunk(chunk_id)
    except KeyError:
        return None
    document = knowledge.document(chunk.doc_id)
    if not document.is_in_force(date.today()):  # a button from before the document expired
        return None
    return ComposedAnswer(text=answer_text(document, chunk), confidence=1.0,
                          citations=[cite_chunk(knowledge, chunk)],
                          verbatim_faq=chunk.answer is not None)
