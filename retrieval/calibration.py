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

FEATURES = ("dense", "coverage", "fused", "gap", "agreement")


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic-regression intercept and one coefficient per feature in :data:`FEATURES`."""

    intercept: float = -3.0
    coefficients: tuple[float, ...] = field(default=(0.0, 3.0, 0.5, 1.0, 1.5))

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
        return cls(float(data["intercept"]), tuple(float(c) for c in data["coefficients"]))

    def save(self, path: Path, note: str = "") -> None:
        """Write the coefficients as JSON."""
        path.write_text(json.dumps({"features": list(FEATURES), "intercept": self.intercept,
                                    "coefficients": list(self.coefficients), "note": note},
                                   ensure_ascii=False, indent=2), encoding="utf-8")
