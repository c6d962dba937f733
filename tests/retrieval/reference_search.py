"""The search as it was before issue #12's speed-up, frozen: the equivalence test's reference.

A copy of ``HybridSearcher.search`` (and of ``HybridIndex.search_sparse``, through bm25s's own
``get_scores``) from before the vectorised searcher; only the structure was kept, so the
new code can be checked to give the same ranking and the same confidences.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from knowledge.text import normalize_text
from retrieval.fusion import zscore_fusion
from retrieval.index import HybridIndex, UnitHit
from retrieval.searcher import HybridSearcher, SearchHit, SearchResult, query_traits
from retrieval.units import IndexUnit


def reference_search(searcher: HybridSearcher, query: str, k: int = 5,
                     vector: np.ndarray | None = None) -> SearchResult:
    """What ``searcher.search(query, k)`` returned before the speed-up (``vector``: the
    query's embedding, when already made)."""
    index = searcher.index
    text = normalize_text(query)
    if not text:
        return SearchResult(query)
    if vector is None:
        vector = searcher.embedder.encode_queries([text])[0]
    tokens = searcher.tokenizer.tokenize(text)
    dense_first = _chunk_ranking(index, _search_dense(index, vector, searcher.candidates))
    sparse = _chunk_ranking(index, _search_sparse(index, tokens, searcher.candidates))
    candidates = list(dict.fromkeys([*dense_first, *sparse]))
    units_of: dict[str, list[int]] = {}
    for position, unit in enumerate(index.units):
        units_of.setdefault(unit.chunk_id, []).append(position)
    dense, best_units = _exact_dense(index, units_of, candidates, vector)
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
            sparse=sparse.get(chunk, 0.0),
            coverage=_coverage(searcher, units_of, tokens, chunk),
            best_unit=best_units[chunk], gap=gap, agreement=agreement,
            dense_gap=dense_gap, query=traits, dense_rank=dense_rank[chunk],
            sparse_rank=sparse_rank.get(chunk))
        hits.append(replace(hit, confidence=searcher.calibration.confidence(hit.features)))
    return SearchResult(query, hits[:k])


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


def _exact_dense(index: HybridIndex, units_of: dict[str, list[int]], chunks: list[str],
                 vector: np.ndarray) -> tuple[dict[str, float], dict[str, IndexUnit]]:
    positions = [p for chunk in chunks for p in units_of[chunk]]
    vectors = index.dense.reconstruct_batch(np.array(positions, dtype=np.int64))
    similarities = vectors @ vector
    dense: dict[str, float] = {}
    best: dict[str, IndexUnit] = {}
    for position, similarity in zip(positions, similarities, strict=True):
        unit = index.units[position]
        if similarity > dense.get(unit.chunk_id, -2.0):
            dense[unit.chunk_id] = float(similarity)
            best[unit.chunk_id] = unit
    return dense, best


def _coverage(searcher: HybridSearcher, units_of: dict[str, list[int]],
              query_tokens: list[str], chunk_id: str) -> float:
    unique = set(query_tokens)
    if not unique:
        return 0.0
    chunk_tokens = frozenset(
        t for p in units_of[chunk_id]
        for t in searcher.tokenizer.tokenize(searcher.index.units[p].text, expand=False))
    total = sum(searcher.index.idf(t) for t in unique)
    found = sum(searcher.index.idf(t) for t in unique if t in chunk_tokens)
    return found / total if total else 0.0


def _chunk_ranking(index: HybridIndex, hits: list[UnitHit]) -> dict[str, float]:
    ranking: dict[str, float] = {}
    for hit in hits:
        chunk = index.units[hit.unit].chunk_id
        if chunk not in ranking:
            ranking[chunk] = hit.score
    return ranking
