"""The search as it was before issue #12's speed-up, frozen: the "before" of ``make bench
ARGS=--only-scale`` and the reference of tests/retrieval/test_search_equivalence.py.

``HybridSearcher.search`` (and ``HybridIndex.search_sparse`` through bm25s's own
``get_scores``) from before the vectorised searcher, unchanged but for living here, so the
new code can be timed against it and checked to give the same ranking and confidences.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np

from knowledge.text import normalize_text
from retrieval.fusion import zscore_fusion
from retrieval.index import HybridIndex, UnitHit
from retrieval.searcher import (
    CHUNK_TOKEN_CACHE,
    HybridSearcher,
    SearchHit,
    SearchResult,
    query_traits,
)
from retrieval.units import IndexUnit


class ReferenceSearcher:
    """The old search over a :class:`HybridSearcher`'s index, embedder, tokenizer and
    settings (its own unit table and chunk-token cache, as the old searcher had)."""

    def __init__(self, searcher: HybridSearcher) -> None:
        self.searcher = searcher
        self.index = searcher.index
        self._units_of: dict[str, list[int]] = {}
        for position, unit in enumerate(self.index.units):
            self._units_of.setdefault(unit.chunk_id, []).append(position)
        self._chunk_tokens = lru_cache(maxsize=CHUNK_TOKEN_CACHE)(self._tokens_of)

    def search(self, query: str, k: int = 5, vector: np.ndarray | None = None) -> SearchResult:
        """What ``searcher.search(query, k)`` returned before the speed-up (``vector``: the
        query's embedding, when already made)."""
        searcher, index = self.searcher, self.index
        text = normalize_text(query)
        if not text:
            return SearchResult(query)
        if vector is None:
            vector = searcher.embedder.encode_queries([text])[0]
        tokens = searcher.tokenizer.tokenize(text)
        dense_first = _chunk_ranking(index, _search_dense(index, vector, searcher.candidates))
        sparse = _chunk_ranking(index, _search_sparse(index, tokens, searcher.candidates))
        candidates = list(dict.fromkeys([*dense_first, *sparse]))
        dense, best_units = self._exact_dense(candidates, vector)
        fused = zscore_fusion([dense, sparse], searcher.weights)
        ordered = sorted(candidates, key=lambda chunk: fused[chunk], reverse=True)
        first_dense, first_sparse = next(iter(dense_first), None), next(iter(sparse), None)
        by_dense = sorted(candidates, key=lambda chunk: dense[chunk], reverse=True)
        dense_rank = {chunk: rank for rank, chunk in enumerate(by_dense, start=1)}
        sparse_rank = {chunk: rank for rank, chunk in enumerate(
            sorted(sparse, key=lambda chunk: sparse[chunk], reverse=True), start=1)}
        traits = query_traits(text, searcher.referrals)
        hits = []
        for position, chunk in enumerate(ordered[:max(k, 2)]):
            best_other = ordered[1] if position == 0 else ordered[0]
            gap = fused[chunk] - fused[best_other] if len(ordered) > 1 else 0.0
            agreement = (float(chunk == first_dense) + float(chunk == first_sparse)) / 2
            densest_other = by_dense[1] if by_dense[0] == chunk else by_dense[0]
            dense_gap = dense[chunk] - dense[densest_other] if len(by_dense) > 1 else 0.0
            hit = SearchHit(
                chunk_id=chunk, score=fused[chunk], dense=dense[chunk],
                sparse=sparse.get(chunk, 0.0), coverage=self._coverage(tokens, chunk),
                best_unit=best_units[chunk], gap=gap, agreement=agreement,
                dense_gap=dense_gap, query=traits, dense_rank=dense_rank[chunk],
                sparse_rank=sparse_rank.get(chunk))
            hits.append(replace(hit, confidence=searcher.calibration.confidence(hit.features)))
        return SearchResult(query, hits[:k])

    def _exact_dense(self, chunks: list[str], vector: np.ndarray
                     ) -> tuple[dict[str, float], dict[str, IndexUnit]]:
        positions = [p for chunk in chunks for p in self._units_of[chunk]]
        vectors = self.index.dense.reconstruct_batch(np.array(positions, dtype=np.int64))
        similarities = vectors @ vector
        dense: dict[str, float] = {}
        best: dict[str, IndexUnit] = {}
        for position, similarity in zip(positions, similarities, strict=True):
            unit = self.index.units[position]
            if similarity > dense.get(unit.chunk_id, -2.0):
                dense[unit.chunk_id] = float(similarity)
                best[unit.chunk_id] = unit
        return dense, best

    def _tokens_of(self, chunk_id: str) -> frozenset[str]:
        tokenizer = self.searcher.tokenizer
        return frozenset(t for p in self._units_of[chunk_id]
                         for t in tokenizer.tokenize(self.index.units[p].text, expand=False))

    def _coverage(self, query_tokens: list[str], chunk_id: str) -> float:
        unique = set(query_tokens)
        if not unique:
            return 0.0
        chunk_tokens = self._chunk_tokens(chunk_id)
        total = sum(self.index.idf(t) for t in unique)
        found = sum(self.index.idf(t) for t in unique if t in chunk_tokens)
        return found / total if total else 0.0


def _search_dense(index: HybridIndex, query_vector: np.ndarray, n: int) -> list[UnitHit]:
    n = min(n, len(index.units))
    scores, ids = index.dense.search(query_vector.reshape(1, -1).astype(np.float32), n)
    return [UnitHit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def _search_sparse(index: HybridIndex, query_tokens: list[str], n: int) -> list[UnitHit]:
    known = [t for t in query_tokens if t in index.sparse.vocab_dict]
    if not known:
        return []
    scores = index.sparse.get_scores(known)
    n = min(n, len(scores))
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top])]
    return [UnitHit(int(i), float(scores[i])) for i in top if scores[i] > 0]


def _chunk_ranking(index: HybridIndex, hits: list[UnitHit]) -> dict[str, float]:
    ranking: dict[str, float] = {}
    for hit in hits:
        chunk = index.units[hit.unit].chunk_id
        if chunk not in ranking:
            ranking[chunk] = hit.score
    return ranking
