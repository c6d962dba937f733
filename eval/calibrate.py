"""Fit the confidence model and choose the answer threshold, on the dev set only.

Positives: dev in-scope questions whose top hit is right. Negatives: in-scope questions
whose top hit is wrong, the dev out-of-scope questions and the referral examples of
``referrals.yml``. The threshold minimises the expected cost on dev, where a wrong answer
(or answering another agency's question) costs ``WRONG_COST`` and a decline — the
enterprise is offered a person instead — costs ``DECLINE_COST``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.assistant import REFERRAL_OVERRIDE
from eval.scoring import retrieval_rank
from eval.sets import Question
from knowledge.corpus import KnowledgeBase
from knowledge.referrals import match_referral
from retrieval.calibration import Calibration
from retrieval.searcher import HybridSearcher

WRONG_COST = 4.0  # a wrong answer misleads; an enterprise may act on it
DECLINE_COST = 1.0  # a decline costs a person's time and a wait


@dataclass(frozen=True, slots=True)
class Ranked:
    """What retrieval alone did with a dev question: the right source's rank, the top hit's
    features."""

    question: Question
    rank: int | None
    features: tuple[float, ...] | None

    @property
    def top_correct(self) -> bool:
        """The top hit is a right source."""
        return self.rank == 1


def ranked(knowledge: KnowledgeBase, searcher: HybridSearcher,
           questions: Iterable[Question]) -> list[Ranked]:
    """The in- and out-of-scope questions, searched."""
    return [Ranked(q, *retrieval_rank(knowledge, searcher, q)[:2]) for q in questions
            if q.kind in ("inscope", "outscope")]


@dataclass(frozen=True, slots=True)
class SweepRow:
    """What one threshold would do on the dev set (questions routed to retrieval)."""

    threshold: float
    right: int
    wrong: int  # in-scope answered wrongly + out-of-scope answered
    declined_in_scope: int
    declined_out_of_scope: int
    cost: float


def fit(rows: list[Ranked], knowledge: KnowledgeBase, searcher: HybridSearcher) -> Calibration:
    """Logistic regression on standardised features, mapped back to raw feature values."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = [(r.features, int(r.top_correct)) for r in rows
            if r.features is not None and r.question.kind in ("inscope", "outscope")]
    for referral in knowledge.referrals:
        for example in referral.examples:
            result = searcher.search(example, k=10)
            if result.hits:
                data.append((result.hits[0].features, 0))
    x = np.array([features for features, _ in data])
    y = np.array([label for _, label in data])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(x), y)
    coefficients = model.coef_[0] / scaler.scale_
    intercept = model.intercept_[0] - float(np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    return Calibration(float(intercept), tuple(float(c) for c in coefficients))


def sweep(rows: list[Ranked], calibration: Calibration, knowledge: KnowledgeBase,
          thresholds: np.ndarray | None = None) -> list[SweepRow]:
    """Cost of each threshold, with confidences recomputed under ``calibration``."""
    thresholds = np.round(np.arange(0.05, 0.96, 0.05), 2) if thresholds is None else thresholds
    scored = [(r, calibration.confidence(r.features),
               match_referral(r.question.text, knowledge.referrals) is not None)
              for r in rows if r.features is not None
              and r.question.kind in ("inscope", "outscope")]
    table = []
    for threshold in thresholds:
        right = wrong = declined_in = declined_out = 0
        for row, confidence, referral in scored:
            answers = confidence >= (max(threshold, REFERRAL_OVERRIDE) if referral else threshold)
            if row.question.kind == "inscope":
                right += answers and row.top_correct
                wrong += answers and not row.top_correct
                declined_in += not answers
            else:
                wrong += answers
                declined_out += not answers
        cost = WRONG_COST * wrong + DECLINE_COST * declined_in
        table.append(SweepRow(float(threshold), right, wrong, declined_in, declined_out, cost))
    return table


def best_threshold(table: list[SweepRow]) -> float:
    """The threshold whose cost, averaged with its two neighbours', is lowest (the higher
    one on ties: the safer side). The cost curve is flat near its minimum, so one noisy
    dev point should not pick the threshold."""
    costs = [row.cost for row in table]
    smoothed = [sum(costs[max(0, i - 1):i + 2]) / len(costs[max(0, i - 1):i + 2])
                for i in range(len(costs))]
    cheapest = min(smoothed)
    return max(row.threshold for row, cost in zip(table, smoothed, strict=True)
               if cost == cheapest)


def sweep_table(table: list[SweepRow], chosen: float) -> str:
    """The sweep as text."""
    lines = [f"threshold sweep on dev (cost = {WRONG_COST:g} × wrong + {DECLINE_COST:g} × "
             "declined in-scope; retrieval's top hit, questions labelled in/out of scope)",
             f"{'thr':>5}{'right':>7}{'wrong':>7}{'decl.in':>9}{'decl.out':>10}{'cost':>8}"]
    for row in table:
        mark = "  ← chosen" if abs(row.threshold - chosen) < 1e-9 else ""
        lines.append(f"{row.threshold:5.2f}{row.right:>7}{row.wrong:>7}"
                     f"{row.declined_in_scope:>9}{row.declined_out_of_scope:>10}"
                     f"{row.cost:8.0f}{mark}")
    return "\n".join(lines)
