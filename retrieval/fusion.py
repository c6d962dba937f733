"""Merging ranked lists."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[Hashable]],
    weights: Sequence[float] | None = None,
    k: int = 60,
) -> dict[Hashable, float]:
    """Reciprocal rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1.

    >>> fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
    >>> max(fused, key=fused.get)
    'b'
    """
    if k <= 0:
        raise ValueError(f"k must be greater than 0, got {k}")
    if weights is None:
        weights = [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list is required")
    scores: dict[Hashable, float] = {}
    for ranked, weight in zip(ranked_lists, weights, strict=True):
        for rank, key in enumerate(ranked, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return scores


def zscore_fusion(
    score_maps: Sequence[Mapping[Hashable, float]],
    weights: Sequence[float] | None = None,
) -> dict[Hashable, float]:
    """Weighted sum of z-normalised scores over the union of candidates.

    Each map is normalised to zero mean and unit variance over the candidates it
    scores; a candidate missing from a map gets that map's minimum. Unlike RRF this keeps
    how far ahead a candidate is, which also makes the fused score a confidence feature.

    >>> fused = zscore_fusion([{"a": 0.9, "b": 0.8, "c": 0.7}, {"a": 2.0, "b": 3.0}])
    >>> max(fused, key=fused.get)
    'a'
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
