"""The dense index type: exact below HNSW_MIN_UNITS, HNSW above, same answers either way."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import index as index_module
from retrieval.index import HNSW_EF_SEARCH, HybridIndex, dense_index
from retrieval.manifest import IndexManifest
from retrieval.units import IndexUnit


def _clustered(n: int, dimension: int = 32, seed: int = 3) -> np.ndarray:
    """Unit vectors around a few hundred centres, like sentence embeddings of a corpus."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(200, dimension))
    vectors = centres[rng.integers(0, 200, n)] + 0.5 * rng.normal(size=(n, dimension))
    normalised: np.ndarray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    return normalised.astype(np.float32)


def test_auto_is_exact_for_small_indexes_and_a_graph_for_large_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "HNSW_MIN_UNITS", 500)
    assert isinstance(dense_index(_clustered(499)), faiss.IndexFlatIP)
    graph = dense_index(_clustered(500))
    assert isinstance(graph, faiss.IndexHNSWFlat)
    assert faiss.downcast_index(graph).hnsw.efSearch == HNSW_EF_SEARCH  # type: ignore[attr-defined]


def test_hnsw_finds_what_exact_search_finds() -> None:
    vectors = _clustered(3000)
    exact, graph = dense_index(vectors, "flat"), dense_index(vectors, "hnsw")
    queries = _clustered(100, seed=9)
    _, truth = exact.search(queries, 10)
    _, found = graph.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall >= 0.98


def test_a_graph_index_round_trips_and_reconstructs_its_vectors(tmp_path: Path) -> None:
    vectors = _clustered(600)
    units = [IndexUnit(f"c{i}", f"文本{i}") for i in range(600)]
    manifest = IndexManifest("m", "fp", 32, "tok", {}, 600, 600)
    built = HybridIndex.create(units, vectors, [[f"t{i}"] for i in range(600)], manifest,
                               dense_kind="hnsw")
    built.save(tmp_path / "build")
    loaded = HybridIndex.load(tmp_path / "build")
    assert isinstance(loaded.dense, faiss.IndexHNSWFlat)
    assert faiss.downcast_index(loaded.dense).hnsw.efSearch == HNSW_EF_SEARCH  # type: ignore[attr-defined]
    again = loaded.dense.reconstruct_batch(np.array([0, 599], dtype=np.int64))
    assert np.allclose(again, vectors[[0, 599]])
    hits = loaded.search_dense(vectors[42], 5)
    assert hits[0].unit == 42 and hits[0].score == pytest.approx(1.0, abs=1e-5)
