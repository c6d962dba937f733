"""Merging the dense and the sparse scores of one query's candidates.

Only the z-score sum is kept: it beat reciprocal rank fusion on the question set (README,
"Retrieval") and, unlike RRF, keeps how far ahead a candidate is.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def zscore_fusion(
    score_maps: Sequence[Mapping[Key, float]],
    weights: Sequence[float] | None = None,
) -> dict[Key, float]:
    """Weighted sum of z-normalised scores over the union of candidates.

    Each map is normalised to zero mean and unit variance over the candidates it
    scores; a candidate missing from a map gets that map's minimum. A map whose scores are
    all equal contributes nothing. Unlike rank fusion this keeps how far ahead a candidate
    is, which also makes the fused score a confidence feature.

    >>> fused = zscore_fusion([{"a": 0.9, "b": 0.8, "c": 0.7}, {"a": 2.0, "b": 3.0}])
    >>> max(fused, key=fused.get)  # b's lead in the second map outweighs a's in the first
    'b'
    >>> round(fused["c"], 2)  # c, missing from the second map, gets that map's minimum
    -2.22
    """
    if weights is None:
        weights = [1.0] * len(score_maps)
    if len(weights) != len(score_maps):
        raise ValueError("one weight per score map is required")
    keys = list(dict.fromkeys(key for scores in score_maps for key in scores))
    fused = dict.fromkeys(keys, 0.0)
    for scores, weight in zip(score_maps, weights, strict=True):
        if not scores:
            continue
        values = list(scores.values())
        mean = sum(values) / len(values)
        spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
        floor = min(values)
        for key in keys:
            fused[key] += weight * (scores.get(key, floor) - mean) / spread
    return fused
