"""Merging ranked lists."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


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
