"""Hybrid search: dense and BM25 candidates, fused on normalised scores, with a confidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from knowledge.referrals import Referral, match_referral
from knowledge.text import normalize_text
from retrieval.calibration import Calibration
from retrieval.embedder import Embedder
from retrieval.fusion import zscore_fusion
from retrieval.index import HybridIndex, UnitHit
from retrieval.tokenizer import ChineseTokenizer
from retrieval.units import IndexUnit, UnitKind

_LATIN = re.compile(r"[a-z]")
LENGTH_CAP = 60  # characters; longer queries count as this long
CHUNK_TOKEN_CACHE = 4096  # chunks whose token sets are kept


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A chunk found for a query, with the evidence for it."""

    chunk_id: str
    score: float  # fused: weighted sum of the z-normalised dense and BM25 scores
    dense: float  # best cosine between the query and any unit of the chunk
    sparse: float  # best BM25 score of any unit of the chunk (0 if none matched)
    coverage: float  # idf-weighted share of the query's tokens found in the chunk
    best_unit: IndexUnit  # the unit closest to the query
    gap: float = 0.0  # lead of ``score`` over the best other candidate's
    agreement: float = 0.0  # 1 if both searches ranked this chunk first, 0.5 if one did
    dense_gap: float = 0.0  # lead of ``dense`` over the best other candidate's
    query: QueryTraits = field(default_factory=lambda: QueryTraits(0.0, 0.0, False))
    confidence: float = 0.0  # calibrated probability that this chunk answers the query
    dense_rank: int = 0  # 1-based rank by ``dense`` among the candidates
    sparse_rank: int | None = None  # 1-based rank by BM25 (None: no query token matched)

    @property
    def features(self) -> tuple[float, ...]:
        """The calibration features, in the order of :data:`retrieval.calibration.FEATURES`."""
        kind = self.best_unit.kind
        return (self.dense, self.coverage, self.score, self.gap, self.agreement, self.dense_gap,
                self.sparse, float(kind == UnitKind.QUESTION), float(kind == UnitKind.SENTENCE),
                self.query.latin, self.query.length, float(self.query.referral))


@dataclass(frozen=True, slots=True)
class QueryTraits:
    """What the confidence model needs to know about the query itself."""

    latin: float  # share of Latin letters among its characters
    length: float  # its length as a share of LENGTH_CAP (at most 1)
    referral: bool  # it names another agency's topic


def query_traits(text: str, referrals: Sequence[Referral] = ()) -> QueryTraits:
    """Traits of a normalised query."""
    return QueryTraits(latin=len(_LATIN.findall(text)) / max(1, len(text)),
                       length=min(len(text), LENGTH_CAP) / LENGTH_CAP,
                       referral=match_referral(text, list(referrals)) is not None)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits; ``confidence`` is the calibrated confidence of the first one."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def top(self) -> SearchHit | None:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None

    @property
    def confidence(self) -> float:
        """Calibrated probability that the best hit answers the query (0 without hits)."""
        return self.hits[0].confidence if self.hits else 0.0


class HybridSearcher:
    """Searches one :class:`HybridIndex`; safe to share between threads (read-only).

    Candidates come from both searches; every candidate then gets its exact dense score
    (best unit) and its BM25 score, and the two are z-normalised and summed with weights.
    """

    def __init__(self, index: HybridIndex, embedder: Embedder, tokenizer: ChineseTokenizer,
                 calibration: Calibration | None = None, candidates: int = 50,
                 weights: tuple[float, float] = (1.0, 1.0),
                 referrals: Sequence[Referral] = ()) -> None:
        if candidates <= 0:
            raise ValueError(f"candidates must be greater than 0, got {candidates}")
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.calibration = calibration or Calibration()
        self.candidates = candidates
        self.weights = weights
        self.referrals = tuple(referrals)
        self._units_of: dict[str, list[int]] = {}
        for position, unit in enumerate(index.units):
            self._units_of.setdefault(unit.chunk_id, []).append(position)
        # a chunk's tokens, tokenised once (the same chunks come back query after query;
        # re-tokenising them cost a third of a search); bounded, thread-safe
        self._chunk_tokens = lru_cache(maxsize=CHUNK_TOKEN_CACHE)(self._tokens_of)

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The ``k`` best chunks for a query, best first."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        text = normalize_text(query)
        if not text:
            return SearchResult(query)
        vector = self.embedder.encode_query(text)
        tokens = self.tokenizer.tokenize(text)
        dense_first = _chunk_ranking(self.index, self.index.search_dense(vector, self.candidates))
        sparse = _chunk_ranking(self.index, self.index.search_sparse(tokens, self.candidates))
        candidates = list(dict.fromkeys([*dense_first, *sparse]))
        dense, best_units = self._exact_dense(candidates, vector)
        fused = zscore_fusion([dense, sparse], self.weights)
        ordered = sorted(candidates, key=lambda chunk: fused[chunk], reverse=True)
        first_dense, first_sparse = next(iter(dense_first), None), next(iter(sparse), None)
        by_dense = sorted(candidates, key=lambda chunk: dense[chunk], reverse=True)
        dense_rank = {chunk: rank for rank, chunk in enumerate(by_dense, start=1)}
        sparse_rank = {chunk: rank for rank, chunk in enumerate(
            sorted(sparse, key=lambda chunk: sparse[chunk], reverse=True), start=1)}
        traits = query_traits(text, self.referrals)
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
            hits.append(replace(hit, confidence=self.calibration.confidence(hit.features)))
        return SearchResult(query, hits[:k])

    def _exact_dense(self, chunks: list[str], vector: np.ndarray
                     ) -> tuple[dict[str, float], dict[str, IndexUnit]]:
        """Each chunk's best cosine over all its units, and that unit."""
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
        """Every token of every unit of a chunk."""
        return frozenset(t for p in self._units_of[chunk_id]
                         for t in self.tokenizer.tokenize(self.index.units[p].text, expand=False))

    def _coverage(self, query_tokens: list[str], chunk_id: str) -> float:
        """Idf-weighted share of the query's tokens that occur in the chunk."""
        unique = set(query_tokens)
        if not unique:
            return 0.0
        chunk_tokens = self._chunk_tokens(chunk_id)
        total = sum(self.index.idf(t) for t in unique)
        found = sum(self.index.idf(t) for t in unique if t in chunk_tokens)
        return found / total if total else 0.0


def _chunk_ranking(index: HybridIndex, hits: list[UnitHit]) -> dict[str, float]:
    """Unit hits → chunks in rank order (best unit score per chunk), insertion-ordered."""
    ranking: dict[str, float] = {}
    for hit in hits:
        chunk = index.units[hit.unit].chunk_id
        if chunk not in ranking:
            ranking[chunk] = hit.score
    return ranking
