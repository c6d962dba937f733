"""Choose the 猜你想问 floor on the dev set: which declined questions would offer choices.

A decline offers the candidates whose confidence reaches the floor (assistant/clarify.py).
An offer helps when one of its choices is the question's source (one tap to the answer);
it is noise when none is (an in-scope question whose source is missing, or another
agency's question). The floor maximises ``helped − NOISE_COST × noise`` on dev.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.clarify import MAX_CHOICES
from eval.sets import Question
from knowledge.corpus import KnowledgeBase
from knowledge.referrals import match_referral
from retrieval.searcher import HybridSearcher

NOISE_COST = 0.5  # an offer of wrong choices costs a glance, not a wrong answer


@dataclass(frozen=True, slots=True)
class Declined:
    """A dev question retrieval would decline: its candidates' confidences, and whether each
    is a right source."""

    question: Question
    candidates: tuple[tuple[float, bool], ...]  # (confidence, right), best first


@dataclass(frozen=True, slots=True)
class FloorRow:
    """What one floor would do with the declined dev questions."""

    floor: float
    helped: int  # in-scope, a right source among the choices
    offered_in: int  # in-scope questions offered choices
    offered_out: int  # out-of-scope questions offered choices
    score: float


def declined(knowledge: KnowledgeBase, searcher: HybridSearcher, threshold: float,
             questions: Iterable[Question]) -> list[Declined]:
    """The in- and out-of-scope questions that retrieval's confidence declines (referrals
    excepted: another agency's question is referred, never offered choices)."""
    rows = []
    for question in questions:
        if question.kind not in ("inscope", "outscope"):
            continue
        if match_referral(question.text, knowledge.referrals) is not None:
            continue
        result = searcher.search(question.text, k=5)
        if not result.hits or result.confidence >= threshold:
            continue
        candidates = []
        for hit in result.hits[:MAX_CHOICES]:
            chunk = knowledge.chunk(hit.chunk_id)
            right = question.kind == "inscope" and question.accepts(chunk.doc_id, chunk.section)
            candidates.append((hit.confidence, right))
        rows.append(Declined(question, tuple(candidates)))
    return rows


def floor_sweep(rows: list[Declined], floors: np.ndarray | None = None) -> list[FloorRow]:
    """Each floor's offers."""
    floors = np.round(np.arange(0.02, 0.52, 0.02), 2) if floors is None else floors
    table = []
    for floor in floors:
        helped = offered_in = offered_out = 0
        for row in rows:
            offered = [right for confidence, right in row.candidates if confidence >= floor]
            if not offered:
                continue
            if row.question.kind == "inscope":
                offered_in += 1
                helped += any(offered)
            else:
                offered_out += 1
        noise = offered_in - helped + offered_out
        table.append(FloorRow(float(floor), helped, offered_in, offered_out,
                              helped - NOISE_COST * noise))
    return table


def best_floor(table: list[FloorRow]) -> float:
    """The floor with the best score (the higher one on ties)."""
    best = max(row.score for row in table)
    return max(row.floor for row in table if row.score == best)


def floor_table(table: list[FloorRow], chosen: float, declined_in: int) -> str:
    """The sweep as text."""
    lines = [f"猜你想问 floor sweep on dev ({declined_in} in-scope questions declined; score = "
             f"helped − {NOISE_COST:g} × offers without the right source)",
             f"{'floor':>6}{'helped':>8}{'offer.in':>10}{'offer.out':>11}{'score':>8}"]
    for row in table:
        mark = "  ← chosen" if abs(row.floor - chosen) < 1e-9 else ""
        lines.append(f"{row.floor:6.2f}{row.helped:>8}{row.offered_in:>10}{row.offered_out:>11}"
                     f"{row.score:8.1f}{mark}")
    return "\n".join(lines)


