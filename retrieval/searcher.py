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
        units_of: dict[str, list[int]] = {}
        for position, unit in enumerate(index.units):
            units_of.setdefault(unit.chunk_id, []).append(position)
        self._units_of = {chunk: np.array(positions, dtype=np.int64)
                          for chunk, positions in units_of.items()}
        # Coverage from the BM25 postings when they hold exactly this tokenizer's tokens of
        # each unit (the manifest says which tokenizer built the index); else by tokenising
        # the chunk's units, cached (the same chunks come back query after query), bounded.
        self._postings_coverage = (index.postings_sorted and index.manifest.tokenizer_fingerprint
                                   == tokenizer.fingerprint)
        self._chunk_tokens = lru_cache(maxsize=CHUNK_TOKEN_CACHE)(self._tokens_of)

    def search(self, query: str, k: int = 5) -> SearchResult:
        """The ``k`` best chunks for a query, best first."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        text = normalize_text(query)
        if not text:
            return SearchResult(query)
        return self.search_embedded(query, self.embedder.encode_query(text), k)

    def search_embedded(self, query: str, vector: np.ndarray, k: int = 5) -> SearchResult:
        """:meth:`search` with the query's vector already made (``encode_queries`` of its
        normalised text): the retrieval alone."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        text = normalize_text(query)
        if not text:
            return SearchResult(query)
        tokens = self.tokenizer.tokenize(text)
        dense_first = _chunk_ranking(self.index, self.index.search_dense(vector, self.candidates))
        sparse = _chunk_ranking(self.index, self.index.search_sparse(tokens, self.candidates))
        candidates = list(dict.fromkeys([*dense_first, *sparse]))
        dense, best_units = self._exact_dense(candidates, vector)
        fused = zscore_fusion([dense, sparse], self.weights)
        ordered = sorted(candidates, key=fused.__getitem__, reverse=True)
        first_dense, first_sparse = next(iter(dense_first), None), next(iter(sparse), None)
        by_dense = sorted(candidates, key=dense.__getitem__, reverse=True)
        dense_rank = {chunk: rank for rank, chunk in enumerate(by_dense, start=1)}
        sparse_rank = {chunk: rank for rank, chunk in enumerate(
            sorted(sparse, key=sparse.__getitem__, reverse=True), start=1)}
        traits = query_traits(text, self.referrals)
        shown = ordered[:max(k, 2)]
        coverages = self._coverages(tokens, shown)
        hits = []
        for position, chunk in enumerate(shown):
            best_other = ordered[1] if position == 0 else ordered[0]
            gap = fused[chunk] - fused[best_other] if len(ordered) > 1 else 0.0
            agreement = (float(chunk == first_dense) + float(chunk == first_sparse)) / 2
            densest_other = by_dense[1] if by_dense[0] == chunk else by_dense[0]
            dense_gap = dense[chunk] - dense[densest_other] if len(by_dense) > 1 else 0.0
            hit = SearchHit(
                chunk_id=chunk, score=fused[chunk], dense=dense[chunk],
                sparse=sparse.get(chunk, 0.0), coverage=coverages[position],
                best_unit=best_units[chunk], gap=gap, agreement=agreement,
                dense_gap=dense_gap, query=traits, dense_rank=dense_rank[chunk],
                sparse_rank=sparse_rank.get(chunk))
            hits.append(replace(hit, confidence=self.calibration.confidence(hit.features)))
        return SearchResult(query, hits[:k])

    def _segments(self, chunks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The chunks' unit positions one after the other, and where each chunk's start."""
        groups = [self._units_of[chunk] for chunk in chunks]
        starts = np.zeros(len(groups), dtype=np.int64)
        np.cumsum([len(group) for group in groups[:-1]], out=starts[1:])
        return np.concatenate(groups), starts

    def _exact_dense(self, chunks: list[str], vector: np.ndarray
                     ) -> tuple[dict[str, float], dict[str, IndexUnit]]:
        """Each chunk's best cosine over all its units, and that unit (the first on a tie)."""
        if not chunks:
            return {}, {}
        positions, starts = self._segments(chunks)
        similarities = self.index.dense.reconstruct_batch(positions) @ vector
        best = np.maximum.reduceat(similarities, starts)
        lengths = np.diff(np.append(starts, len(positions)))
        first_best = np.flatnonzero(similarities == np.repeat(best, lengths))
        best_at = positions[first_best[np.searchsorted(first_best, starts)]]
        units = self.index.units
        return (dict(zip(chunks, best.tolist(), strict=True)),
                {chunk: units[p] for chunk, p in zip(chunks, best_at.tolist(), strict=True)})

    def _tokens_of(self, chunk_id: str) -> frozenset[str]:
        """Every token of every unit of a chunk."""
        return frozenset(t for p in self._units_of[chunk_id].tolist()
                         for t in self.tokenizer.tokenize(self.index.units[p].text, expand=False))

    def _coverages(self, query_tokens: list[str], chunks: list[str]) -> list[float]:
        """Each chunk's idf-weighted share of the query's tokens that occur in it."""
        unique = set(query_tokens)
        if not unique or not chunks:
            return [0.0] * len(chunks)
        weighted = [(token, self.index.idf(token)) for token in unique]
        total = sum(weight for _, weight in weighted)
        if not total:
            return [0.0] * len(chunks)
        if not self._postings_coverage:
            found = [sum(w for t, w in weighted if t in self._chunk_tokens(chunk))
                     for chunk in chunks]
            return [share / total for share in found]
        positions, starts = self._segments(chunks)
        present = []  # per query token: which chunks have it
        for token, _ in weighted:
            ids = self.index.token_ids([token])
            if not ids:
                present.append(np.zeros(len(chunks), dtype=bool))
                continue
            postings = self.index.postings(ids[0])
            at = np.minimum(np.searchsorted(postings, positions), max(0, len(postings) - 1))
            in_unit = (postings[at] == positions) if len(postings) else \
                np.zeros(len(positions), dtype=bool)
            present.append(np.logical_or.reduceat(in_unit, starts))
        flags = np.array(present).T.tolist()
        return [sum(w for (_, w), has in zip(weighted, row, strict=True) if has) / total
                for row in flags]


def _chunk_ranking(index: HybridIndex, hits: list[UnitHit]) -> dict[str, float]:
    """Unit hits → chunks in rank order (best unit score per chunk), insertion-ordered."""
    ranking: dict[str, float] = {}
    for hit in hits:
        chunk = index.units[hit.unit].chunk_id
        if chunk not in ranking:
            ranking[chunk] = hit.score
    return ranking
