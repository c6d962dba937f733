"""Evaluate answers against ``eval/questions.yml``; ``--fit`` refits the confidence calibration.

Metrics, per split (dev is used for fitting, test only for reporting):
- clause / doc Hit@1, Hit@3, MRR of the retrieval ranking;
- answer accuracy: answered and the first citation is right; wrong answers: answered but wrong;
- liaison / leader accuracy of directory answers;
- decline precision and recall (should-decline questions vs. everything in scope).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from api.services.assistant import REFERRAL_OVERRIDE, AssistantTurn
from api.services.runtime import Runtime
from api.settings import get_settings
from knowledge.referrals import match_referral
from retrieval.calibration import Calibration
from retrieval.searcher import SearchResult

QUESTIONS = Path(__file__).resolve().parent / "questions.yml"


@dataclass
class Outcome:
    """What happened to one question."""

    kind: str
    split: str
    rank: int | None  # 1-based rank of the first correct hit (retrieval kinds)
    answered: bool
    correct: bool  # answered with the right source / district / leader
    features: tuple[float, ...] | None
    top_correct: bool
    confidence: float = 0.0
    routed_to_retrieval: bool = False
    referral: bool = False


def _expected(item: dict) -> list[str]:  # type: ignore[type-arg]
    expect = item.get("expect")
    if expect is None:
        return []
    return [str(e) for e in expect] if isinstance(expect, list) else [str(expect)]


def _matches(runtime: Runtime, chunk_id: str, kind: str, expected: list[str]) -> bool:
    chunk = runtime.knowledge.chunk(chunk_id)
    if kind == "clause":  # the clause itself, or an FAQ / guide section resting on it
        return any(chunk.section.startswith(label) or label in (chunk.label or "")
                   for label in expected)
    return chunk.doc_id in expected


def _features(result: SearchResult) -> tuple[float, ...] | None:
    return result.hits[0].features if result.hits else None


def evaluate(runtime: Runtime, items: list[dict]) -> list[Outcome]:  # type: ignore[type-arg]
    """Run every question through the searcher and the assistant."""
    assistant = runtime.assistant()
    searcher = runtime.searcher
    assert searcher is not None, runtime.index_state.detail
    outcomes = []
    for item in items:
        kind, expected = item["kind"], _expected(item)
        turn: AssistantTurn = assistant.respond(item["q"])
        answered = turn.answer is not None and turn.outcome in ("answered", "liaison")
        rank, features, top_correct, confidence = None, None, False, 0.0
        if kind in ("clause", "doc", "decline"):
            result = searcher.search(item["q"], k=10)
            features = _features(result)
            confidence = result.confidence
            if kind != "decline":
                rank = next((i for i, hit in enumerate(result.hits, start=1)
                             if _matches(runtime, hit.chunk_id, kind, expected)), None)
                top_correct = rank == 1
        if kind in ("clause", "doc"):
            first = turn.answer.citations[0] if answered and turn.answer else None
            correct = bool(first) and any(
                (kind == "clause" and first.section.startswith(label)) or
                (kind == "doc" and first.doc_id == label) for label in expected)
        elif kind == "liaison":
            correct = answered and turn.intent == "ask_liaison" and bool(expected) and \
                all(any(e in c.snippet for c in turn.answer.citations) for e in expected)
        elif kind == "leader":
            correct = answered and all(e in turn.texts[0] for e in expected)
        else:
            correct = not answered
        outcomes.append(Outcome(
            kind, item.get("split", "test"), rank, answered, correct, features, top_correct,
            confidence, turn.intent in ("ask_policy", "out_of_scope"),
            match_referral(item["q"], runtime.knowledge.referrals) is not None))
    return outcomes


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:6.3f}" if denominator else "   n/a"


def report(outcomes: list[Outcome]) -> str:
    """The metrics table."""
    lines = []
    header = (f"{'split':<6}{'kind':<9}{'n':>5}{'Hit@1':>8}{'Hit@3':>8}{'MRR':>8}"
              f"{'ans.acc':>9}{'wrong':>7}")
    lines.append(header)
    lines.append("-" * len(header))
    for split in ("dev", "test", "all"):
        chosen = [o for o in outcomes if split == "all" or o.split == split]
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in chosen:
            by_kind[outcome.kind].append(outcome)
        for kind in ("clause", "doc"):
            group = by_kind.get(kind, [])
            if not group:
                continue
            n = len(group)
            hit1 = sum(o.rank == 1 for o in group)
            hit3 = sum(o.rank is not None and o.rank <= 3 for o in group)
            mrr = sum(1 / o.rank for o in group if o.rank) / n
            wrong = sum(o.answered and not o.correct for o in group)
            lines.append(f"{split:<6}{kind:<9}{n:>5}{_ratio(hit1, n):>8}{_ratio(hit3, n):>8}"
                         f"{mrr:8.3f}{_ratio(sum(o.correct for o in group), n):>9}{wrong:>7}")
        for kind in ("liaison", "leader"):
            group = by_kind.get(kind, [])
            if group:
                lines.append(f"{split:<6}{kind:<9}{len(group):>5}{'':>24}"
                             f"{_ratio(sum(o.correct for o in group), len(group)):>9}")
        should = [o for o in chosen if o.kind == "decline"]
        in_scope = [o for o in chosen if o.kind in ("clause", "doc")]
        declined_right = sum(not o.answered for o in should)
        declined_wrong = sum(not o.answered for o in in_scope)
        precision = _ratio(declined_right, declined_right + declined_wrong)
        recall = _ratio(declined_right, len(should))
        lines.append(f"{split:<6}{'decline':<9}{len(should):>5}  precision {precision}  "
                     f"recall {recall}")
        lines.append("")
    return "\n".join(lines)


def threshold_sweep(outcomes: list[Outcome], split: str = "dev") -> str:
    """What each answer threshold would do, for questions routed to retrieval."""
    rows = [o for o in outcomes if o.split == split and o.routed_to_retrieval]
    lines = [f"threshold sweep on the {split} split ({len(rows)} questions routed to retrieval)",
             f"{'thr':>5}{'ans.acc':>9}{'wrong':>7}{'decl.P':>8}{'decl.R':>8}"]
    for threshold in np.arange(0.2, 0.86, 0.05):
        def answers(o: Outcome, t: float = float(threshold)) -> bool:
            return o.confidence >= (max(t, REFERRAL_OVERRIDE) if o.referral else t)
        in_scope = [o for o in rows if o.kind in ("clause", "doc")]
        should = [o for o in rows if o.kind == "decline"]
        right = sum(answers(o) and o.top_correct for o in in_scope)
        wrong = sum(answers(o) and not o.top_correct for o in in_scope) + \
            sum(answers(o) for o in should)
        declined_right = sum(not answers(o) for o in should)
        declined_wrong = sum(not answers(o) for o in in_scope)
        lines.append(f"{threshold:5.2f}{_ratio(right, len(in_scope)):>9}{wrong:>7}"
                     f"{_ratio(declined_right, declined_right + declined_wrong):>8}"
                     f"{_ratio(declined_right, len(should)):>8}")
    return "\n".join(lines)


def fit_calibration(outcomes: list[Outcome], runtime: Runtime) -> Calibration:
    """Logistic regression on the dev split: does the top hit answer the question?

    The referral examples of ``referrals.yml`` (other agencies' questions, not in the
    question set) join the dev split as negatives. Features are standardised for the fit
    and the coefficients mapped back to raw feature values.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    assert runtime.searcher is not None
    rows = [(o.features, int(o.top_correct)) for o in outcomes
            if o.split == "dev" and o.features is not None
            and o.kind in ("clause", "doc", "decline")]
    for referral in runtime.knowledge.referrals:
        for example in referral.examples:
            features = _features(runtime.searcher.search(example, k=10))
            if features is not None:
                rows.append((features, 0))
    x = np.array([features for features, _ in rows])
    y = np.array([label for _, label in rows])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x), y)
    coefficients = model.coef_[0] / scaler.scale_
    intercept = model.intercept_[0] - float(np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    return Calibration(float(intercept), tuple(float(c) for c in coefficients))


def main(argv: list[str] | None = None) -> int:
    """Print the metrics; with --fit, refit and save the calibration first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit", action="store_true", help="refit the confidence calibration")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--sweep", action="store_true", help="print a threshold sweep (dev)")
    args = parser.parse_args(argv)
    items = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    settings = get_settings()
    runtime = Runtime.start(settings)
    if args.fit:
        calibration = fit_calibration(evaluate(runtime, items), runtime)
        calibration.save(settings.CALIBRATION_FILE,
                         note=f"fitted on the dev split of {args.questions.name}")
        print(f"calibration fitted on the dev split → {settings.CALIBRATION_FILE}: {calibration}")
        runtime.load_index()
    outcomes = evaluate(runtime, items)
    counts = defaultdict(int)
    for outcome in outcomes:
        counts[outcome.kind] += 1
    print(f"{len(items)} questions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"answer threshold {settings.ANSWER_THRESHOLD}, model {settings.EMBEDDING_MODEL}\n")
    print(report(outcomes))
    if args.sweep:
        print(threshold_sweep(outcomes, "dev"))
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
