"""The hybrid index: a FAISS inner-product index and a BM25 index over the same units."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bm25s
import faiss
import numpy as np

from retrieval.errors import IndexNotBuiltError
from retrieval.manifest import IndexManifest
from retrieval.units import IndexUnit, UnitKind

_FAISS_FILE = "dense.faiss"
_UNITS_FILE = "units.jsonl"
_BM25_DIR = "bm25"
_DF_FILE = "document_frequency.json"
MANIFEST_FILE = "manifest.json"


# Exact (flat) search below this many units; HNSW graph search from here on. Measured
# (make bench ARGS=--only-scale, 100k vectors scattered around real embeddings): flat
# ≈ 14 ms a query, HNSW ≈ 1 ms at efSearch 400 with recall@10 0.98 against exact (0.84 at
# 96, 0.93 at 200); below ~20k flat is fast enough and exact, and builds instantly.
HNSW_MIN_UNITS = 20_000
HNSW_NEIGHBOURS = 32  # M: graph degree
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 400  # ≥ the searcher's 50 candidates; recall over speed (see above)
DenseKind = Literal["auto", "flat", "hnsw"]


def dense_index(vectors: np.ndarray, kind: DenseKind = "auto") -> faiss.Index:
    """A FAISS inner-product index over unit vectors: flat (exact) or HNSW (graph)."""
    dimension = vectors.shape[1]
    if kind == "flat" or (kind == "auto" and vectors.shape[0] < HNSW_MIN_UNITS):
        index: faiss.Index = faiss.IndexFlatIP(dimension)
    else:
        graph = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        graph.hnsw.efSearch = HNSW_EF_SEARCH
        index = graph
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _strictly_increasing_rows(indices: np.ndarray, indptr: np.ndarray) -> bool:
    """Whether every token's postings (a CSC column) list ascending, distinct units."""
    if len(indices) < 2:
        return True
    increasing = np.diff(indices.astype(np.int64)) > 0
    boundaries = indptr[1:-1].astype(np.int64) - 1  # last entry of a column, before the next
    boundaries = boundaries[(boundaries >= 0) & (boundaries < len(increasing))]
    increasing[boundaries] = True
    return bool(increasing.all())


@dataclass(frozen=True, slots=True)
class UnitHit:
    """A unit and its score from one of the two searches."""

    unit: int
    score: float


class HybridIndex:
    """Dense (FAISS, cosine via inner product) and sparse (BM25) search over units."""

    def __init__(self, units: Sequence[IndexUnit], dense: faiss.Index, sparse: bm25s.BM25,
                 document_frequency: dict[str, int], manifest: IndexManifest) -> None:
        if dense.ntotal != len(units):
            raise ValueError(f"dense index has {dense.ntotal} vectors for {len(units)} units")
        self.units = list(units)
        self.dense = dense
        self.sparse = sparse
        self.document_frequency = document_frequency
        self.manifest = manifest
        self._chunk_count = max(1, len({unit.chunk_id for unit in self.units}))
        matrix = sparse.scores  # token-major CSC of per-(token, unit) BM25 scores
        self._data: np.ndarray = matrix["data"]
        self._indices: np.ndarray = matrix["indices"]
        self._indptr: np.ndarray = matrix["indptr"]
        self._num_docs = int(matrix["num_docs"])
        self._bm25_dtype = np.dtype(sparse.dtype)
        self.postings_sorted = _strictly_increasing_rows(self._indices, self._indptr)

    @classmethod
    def create(cls, units: Sequence[IndexUnit], vectors: np.ndarray,
               unit_tokens: Sequence[list[str]], manifest: IndexManifest,
               show_progress: bool = False, dense_kind: DenseKind = "auto") -> HybridIndex:
        """Build both indexes from embedded, tokenised units."""
        if vectors.ndim != 2 or vectors.shape[0] != len(units):
            raise ValueError("one vector per unit is required")
        dense = dense_index(vectors, dense_kind)
        sparse = bm25s.BM25()
        sparse.index([tokens or [""] for tokens in unit_tokens], show_progress=show_progress)
        chunk_tokens: dict[str, set[str]] = {}
        for unit, tokens in zip(units, unit_tokens, strict=True):
            chunk_tokens.setdefault(unit.chunk_id, set()).update(tokens)
        frequency = Counter(token for tokens in chunk_tokens.values() for token in tokens)
        return cls(units, dense, sparse, dict(frequency), manifest)

    def search_dense(self, query_vector: np.ndarray, n: int) -> list[UnitHit]:
        """The ``n`` units closest to the query vector (cosine)."""
        n = min(n, len(self.units))
        scores, ids = self.dense.search(query_vector.reshape(1, -1).astype(np.float32), n)
        return [UnitHit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True)
                if i >= 0]

    def token_ids(self, tokens: list[str]) -> list[int]:
        """BM25 vocabulary ids of the tokens the index knows, in order (repeats kept)."""
        vocabulary = self.sparse.vocab_dict
        return [vocabulary[t] for t in tokens if t in vocabulary]

    def postings(self, token_id: int) -> np.ndarray:
        """The units containing a token (ascending unit positions)."""
        start, end = self._indptr[token_id], self._indptr[token_id + 1]
        return self._indices[start:end]

    def sparse_scores(self, token_ids: list[int]) -> np.ndarray:
        """BM25 score of every unit, bit for bit bm25s's ``get_scores_from_ids``.

        bm25s adds each token's postings with ``np.add.at`` (unbuffered, slow); a token's
        postings name each unit once, so a buffered fancy-index add does the same float32
        additions in the same order, several times faster."""
        scores = np.zeros(self._num_docs, dtype=self._bm25_dtype)
        for token_id in token_ids:
            start, end = self._indptr[token_id], self._indptr[token_id + 1]
            if self.postings_sorted:
                scores[self._indices[start:end]] += self._data[start:end]
            else:  # a unit twice in a token's postings: only add.at adds it twice
                np.add.at(scores, self._indices[start:end], self._data[start:end])
        if self.sparse.nonoccurrence_array is not None:  # BM25L / BM25+ only
            ids = np.asarray(token_ids, dtype=np.dtype(self.sparse.int_dtype))
            scores += self.sparse.nonoccurrence_array[ids].sum()
        return scores

    def search_sparse(self, query_tokens: list[str], n: int) -> list[UnitHit]:
        """The ``n`` best BM25 units for the query tokens (only units with a positive score)."""
        known = self.token_ids(query_tokens)
        if not known:
            return []
        scores = self.sparse_scores(known)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [UnitHit(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, token: str) -> float:
        """Smoothed inverse chunk frequency; unseen tokens get the highest value."""
        df = self.document_frequency.get(token, 0)
        return math.log(1 + (self._chunk_count - df + 0.5) / (df + 0.5))

    def save(self, folder: Path) -> None:
        """Persist into an (empty) folder."""
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.dense, str(folder / _FAISS_FILE))
        self.sparse.save(str(folder / _BM25_DIR), show_progress=False)
        with (folder / _UNITS_FILE).open("w", encoding="utf-8") as out:
            for unit in self.units:
                out.write(json.dumps({"chunk_id": unit.chunk_id, "text": unit.text,
                                      "kind": unit.kind.value}, ensure_ascii=False) + "\n")
        (folder / _DF_FILE).write_text(json.dumps(self.document_frequency, ensure_ascii=False),
                                       encoding="utf-8")
        self.manifest.save(folder / MANIFEST_FILE)  # written last: marks the build complete

    @classmethod
    def load(cls, folder: Path) -> HybridIndex:
        """Load an index saved by :meth:`save`."""
        if not (folder / MANIFEST_FILE).exists():
            raise IndexNotBuiltError(f"no complete index in {folder}; run `make setup`")
        manifest = IndexManifest.load(folder / MANIFEST_FILE)
        with (folder / _UNITS_FILE).open(encoding="utf-8") as lines:
            units = [IndexUnit(row["chunk_id"], row["text"], UnitKind(row["kind"]))
                     for row in map(json.loads, lines)]
        dense = faiss.read_index(str(folder / _FAISS_FILE))
        sparse = bm25s.BM25.load(str(folder / _BM25_DIR), show_progress=False)
        frequency = json.loads((folder / _DF_FILE).read_text(encoding="utf-8"))
        return cls(units, dense, sparse, frequency, manifest)
