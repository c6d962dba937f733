"""Calibrated confidence: the probability that the top hit truly answers the question.

A logistic model over a few retrieval features. The coefficients are fitted on the
development split of the labelled question set (``make eval`` prints a fresh fit) and
kept in a small JSON file beside the index settings; the defaults below are that fit
for the bundled multilingual-e5-small model.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

FEATURES = ("dense", "coverage", "margin", "agreement")


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic-regression coefficients over :data:`FEATURES`."""

    intercept: float = -24.0
    dense: float = 24.0
    coverage: float = 4.0
    margin: float = 6.0
    agreement: float = 1.0

    def confidence(self, dense: float, coverage: float, margin: float, agreement: float) -> float:
        """Probability in [0, 1] that the top hit answers the question."""
        z = (self.intercept + self.dense * dense + self.coverage * coverage
             + self.margin * margin + self.agreement * agreement)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @classmethod
    def load(cls, path: Path | None) -> Calibration:
        """Coefficients from a JSON file, or the defaults when there is none."""
        if path is None or not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{key: float(value) for key, value in data.items()
                      if key in ("intercept", *FEATURES)})

    def save(self, path: Path) -> None:
        """Write the coefficients as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
