"""Calibrated confidence: the probability that a hit truly answers the question.

A logistic model over a few retrieval features. The coefficients are fitted on the
development split of the labelled question set (``make eval ARGS=--fit`` writes
``eval/calibration.json``); the defaults below are only a fallback.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What a hit is judged by (retrieval.searcher.SearchHit.features gives them in this order):
# its best-unit cosine, idf-weighted keyword coverage of the query, fused score and lead
# over the next candidate, whether both searches put it first, its cosine lead over the
# best other candidate, its BM25 score, whether the best unit is an FAQ question /
# paraphrase or a clause sentence, and three facts of the query: its share of Latin letters
# (English questions match no Chinese keywords), its length (capped at 60 characters, as a
# share) and whether it names another agency's topic (knowledge/data/referrals.yml).
FEATURES = ("dense", "coverage", "fused", "gap", "agreement", "dense_gap", "sparse",
            "question_unit", "sentence_unit", "latin", "length", "referral")
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic-regression intercept, one coefficient per feature in :data:`FEATURES`, and
    the answer threshold chosen with it (the minimum confidence to answer)."""

    intercept: float = -3.0
    coefficients: tuple[float, ...] = field(
        default=(0.0, 3.0, 0.5, 1.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0))
    threshold: float = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if len(self.coefficients) != len(FEATURES):
            raise ValueError(f"{len(FEATURES)} coefficients expected ({', '.join(FEATURES)})")

    def confidence(self, features: Sequence[float]) -> float:
        """Probability in [0, 1] that the hit with these features answers the question."""
        z = self.intercept + sum(c * f for c, f in zip(self.coefficients, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def load(cls, path: Path | None) -> Calibration:
        """Coefficients from a JSON file, or the defaults when there is none."""
        if path is None or not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data.get("features", [])) != list(FEATURES):
            return cls()  # fitted for other features: not applicable
        return cls(float(data["intercept"]), tuple(float(c) for c in data["coefficients"]),
                   float(data.get("threshold", DEFAULT_THRESHOLD)))

    def save(self, path: Path, note: str = "") -> None:
        """Write the coefficients as JSON."""
        path.write_text(json.dumps({"features": list(FEATURES), "intercept": self.intercept,
                                    "coefficients": list(self.coefficients),
                                    "threshold": self.threshold, "note": note},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
