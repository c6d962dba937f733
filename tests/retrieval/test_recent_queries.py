"""A turn that embeds its message twice (search, then the person-request check) embeds it once."""

from __future__ import annotations

import numpy as np

from retrieval.embedder import RECENT_QUERIES, Embedder


def test_a_repeated_query_is_embedded_once(model_dir) -> None:  # type: ignore[no-untyped-def]
    embedder = Embedder(str(model_dir), backend="auto")
    calls: list[list[str]] = []
    original = embedder.encode_queries

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return original(texts)

    embedder.encode_queries = counting  # type: ignore[method-assign]
    first = embedder.encode_query("高企 网上能办不")
    first[:] = 0.0  # a copy: the cached vector is not changed through it
    second = embedder.encode_query("高企 网上能办不")
    assert calls == [["高企 网上能办不"]]
    assert np.allclose(second, original(["高企 网上能办不"])[0], atol=1e-6)
    for n in range(RECENT_QUERIES):  # older queries make way for newer ones
        embedder.encode_query(f"问题{n}")
    embedder.encode_query("高企 网上能办不")
    assert calls.count(["高企 网上能办不"]) == 2
