"""Hybrid search: dense and BM25 candidates fused by reciprocal rank, with a confidence."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from knowledge.text import normalize_text
from retrieval.calibration import Calibration
from retrieval.embedder import Embedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.index import HybridIndex
from retrieval.tokenizer import ChineseTokenizer
from retrieval.units import IndexUnit


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A chunk found for a query, with the evidence for it."""

    chunk_id: str
    score: float  # fused (RRF)
    dense: float  # best cosine between the query and any unit of the chunk
    sparse: float  # best BM25 score of any unit of the chunk
    coverage: float  # idf-weighted share of the query's tokens found in the chunk
    best_unit: IndexUnit  # the unit closest to the query
    confidence: float = 0.0  # calibrated probability that this chunk answers the query


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits; ``confidence`` is the calibrated confidence of the first one."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """Calibrated probability that the best hit answers the query (0 without hits)."""
        return self.hits[0].confidence if self.hits else 0.0

    @property
    def top(self) -> SearchHit | None:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None


class HybridSearcher:
    """Searches one :class:`HybridIndex`; safe to share between threads (read-only)."""

    def __init__(self, index: HybridIndex, embedder: Embedder, tokenizer: ChineseTokenizer,
                 calibration: Calibration | None = None, candidates: int = 50,
                 rrf_k: int = 60, weights: tuple[float, float] = (1.0, 1.0)) -> None:
        if candidates <= 0:
            raise ValueError(f"candidates must be greater than 0, got {candidates}")
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.calibration = calibration or Calibration()
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.weights = weights
        self._units_of: dict[str, list[int]] = {}
        for position, unit in enumerate(index.units):
            self._units_of.setdefault(unit.chunk_id, []).append(position)

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The ``k`` best chunks for a query, best first."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        text = normalize_text(query)
        if not text:
            return SearchResult(query)
        vector = self.embedder.encode_queries([text])[0]
        tokens = self.tokenizer.tokenize(text)
        dense_hits = self.index.search_dense(vector, self.candidates)
        sparse_hits = self.index.search_sparse(tokens, self.candidates)
        dense_rank = _chunk_ranking(self.index, dense_hits)
        sparse_rank = _chunk_ranking(self.index, sparse_hits)
        fused = reciprocal_rank_fusion([list(dense_rank), list(sparse_rank)],
                                       self.weights, self.rrf_k)
        ordered = sorted(fused, key=lambda chunk: fused[chunk], reverse=True)[:max(k, 2)]
        hits = [self._hit(str(chunk), fused[chunk], vector, tokens, sparse_rank)
                for chunk in ordered]
        hits = self._with_confidence(hits, dense_rank, sparse_rank)
        return SearchResult(query, hits[:k])

    def _hit(self, chunk_id: str, score: float, vector: np.ndarray, tokens: list[str],
             sparse_rank: dict[str, float]) -> SearchHit:
        positions = self._units_of[chunk_id]
        unit_vectors = self.index.dense.reconstruct_batch(np.array(positions, dtype=np.int64))
        similarities = unit_vectors @ vector
        best = int(np.argmax(similarities))
        chunk_tokens = {t for p in positions
                        for t in self.tokenizer.tokenize(self.index.units[p].text, expand=False)}
        return SearchHit(
            chunk_id=chunk_id, score=score, dense=float(similarities[best]),
            sparse=sparse_rank.get(chunk_id, 0.0),
            coverage=self._coverage(tokens, chunk_tokens),
            best_unit=self.index.units[positions[best]],
        )

    def _coverage(self, query_tokens: list[str], chunk_tokens: set[str]) -> float:
        unique = set(query_tokens)
        if not unique:
            return 0.0
        total = sum(self.index.idf(t) for t in unique)
        found = sum(self.index.idf(t) for t in unique if t in chunk_tokens)
        return found / total if total else 0.0

    def _with_confidence(self, hits: list[SearchHit], dense_rank: dict[str, float],
                         sparse_rank: dict[str, float]) -> list[SearchHit]:
        """Each hit's calibrated confidence: its similarity, keyword coverage, lead over the
        best other hit, and whether both searches ranked it first."""
        first_dense = next(iter(dense_rank), None)
        first_sparse = next(iter(sparse_rank), None)
        scored = []
        for position, hit in enumerate(hits):
            others = max((h.dense for i, h in enumerate(hits) if i != position), default=0.0)
            agreement = (float(hit.chunk_id == first_dense)
                         + float(hit.chunk_id == first_sparse)) / 2
            confidence = self.calibration.confidence(
                dense=hit.dense, coverage=hit.coverage, margin=max(0.0, hit.dense - others),
                agreement=agreement)
            scored.append(replace(hit, confidence=confidence))
        return scored


def _chunk_ranking(index: HybridIndex, hits: list) -> dict[str, float]:
    """Unit hits → chunks in rank order (best unit score per chunk), insertion-ordered."""
    ranking: dict[str, float] = {}
    for hit in hits:
        chunk = index.units[hit.unit].chunk_id
        if chunk not in ranking:
            ranking[chunk] = hit.score
    return ranking
