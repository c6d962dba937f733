"""The vectorised search gives what the search before issue #12's speed-up gave, on the real
index of the shipped knowledge base: the same ranking, features and confidences."""

from __future__ import annotations

import numpy as np
import pytest

from bench.reference_search import ReferenceSearcher
from knowledge.text import normalize_text
from retrieval.build import tokenizer_for
from retrieval.calibration import Calibration
from retrieval.index import HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.searcher import HybridSearcher, SearchResult
from retrieval.store import IndexStore
from retrieval.units import IndexUnit, UnitKind
from tests.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def searcher(knowledge, embedder, index_dir) -> HybridSearcher:  # type: ignore[no-untyped-def]
    calibration = Calibration.load(PROJECT_ROOT / "eval" / "calibration.json")
    return HybridSearcher(IndexStore(index_dir).load_current(), embedder,
                          tokenizer_for(knowledge), calibration, referrals=knowledge.referrals)


@pytest.fixture(scope="module")
def faq_questions(knowledge) -> list[str]:  # type: ignore[no-untyped-def]
    """Every FAQ question and paraphrase of the knowledge base, and a few odd queries."""
    texts = [text for chunk in knowledge.chunks() if chunk.answer is not None
             for text in chunk.search_texts]
    return [*texts, "高企 网上能办不", "明天武汉下不下雨", "？？？", "Hello, how to apply?"]


def _assert_same(new: SearchResult, old: SearchResult) -> None:
    assert [hit.chunk_id for hit in new.hits] == [hit.chunk_id for hit in old.hits]
    for a, b in zip(new.hits, old.hits, strict=True):
        assert a.best_unit == b.best_unit
        assert (a.dense_rank, a.sparse_rank) == (b.dense_rank, b.sparse_rank)
        assert a.features == pytest.approx(b.features, abs=1e-9, rel=0)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-9, rel=0)


def test_the_faq_questions_get_the_same_hits_and_confidences(searcher, faq_questions) -> None:  # type: ignore[no-untyped-def]
    assert searcher._postings_coverage  # the fast coverage path is the one compared
    texts = [normalize_text(q) for q in faq_questions]
    vectors = searcher.embedder.encode_queries([t for t in texts if t])
    by_text = dict(zip([t for t in texts if t], vectors, strict=True))
    compared = 0
    reference = ReferenceSearcher(searcher)
    for query, text in zip(faq_questions, texts, strict=True):
        vector = by_text.get(text, np.zeros(searcher.embedder.dimension, dtype=np.float32))
        new = searcher.search_embedded(query, vector, k=5)
        old = reference.search(query, k=5, vector=vector)
        _assert_same(new, old)
        compared += bool(new.hits)
    assert compared > 700


def test_search_embeds_the_query_as_before(searcher) -> None:  # type: ignore[no-untyped-def]
    reference = ReferenceSearcher(searcher)
    for query in ("外国人来华工作许可怎么办理", "高企认定需要满足哪些条件", "  "):
        _assert_same(searcher.search(query, k=5), reference.search(query, k=5))


def test_bm25_scores_are_bm25s_own_bit_for_bit(searcher, faq_questions) -> None:  # type: ignore[no-untyped-def]
    index = searcher.index
    assert index.postings_sorted
    for query in faq_questions[:200]:
        ids = index.token_ids(searcher.tokenizer.tokenize(normalize_text(query)))
        if ids:
            assert np.array_equal(index.sparse_scores(ids), index.sparse.get_scores(ids))


def test_coverage_from_postings_equals_coverage_from_tokenising(searcher, faq_questions) -> None:  # type: ignore[no-untyped-def]
    tokenising = HybridSearcher(searcher.index, searcher.embedder, searcher.tokenizer,
                                searcher.calibration, referrals=searcher.referrals)
    tokenising._postings_coverage = False
    chunks = list(dict.fromkeys(unit.chunk_id for unit in searcher.index.units))[:40]
    for query in faq_questions[::10]:
        tokens = searcher.tokenizer.tokenize(normalize_text(query))
        assert searcher._coverages(tokens, chunks) == tokenising._coverages(tokens, chunks)


def test_a_tie_between_units_of_a_chunk_keeps_the_first(knowledge, embedder) -> None:  # type: ignore[no-untyped-def]
    tokenizer = tokenizer_for(knowledge)
    units = [IndexUnit("a", "高新技术企业认定", UnitKind.SENTENCE),
             IndexUnit("a", "高新技术企业认定", UnitKind.QUESTION),
             IndexUnit("b", "科技型中小企业评价", UnitKind.BODY),
             IndexUnit("a", "企业研发费用加计扣除", UnitKind.BODY)]
    vectors = embedder.encode_passages([unit.text for unit in units])
    vectors[1] = vectors[0]  # the same text: an exact tie
    tokens = [tokenizer.tokenize(unit.text, expand=False) for unit in units]
    manifest = IndexManifest("test", "test", embedder.dimension, tokenizer.fingerprint, {},
                             len(units), 2)
    index = HybridIndex.create(units, vectors, tokens, manifest)
    searcher = HybridSearcher(index, embedder, tokenizer)
    new = searcher.search("高新技术企业认定怎么申请", k=2)
    _assert_same(new, ReferenceSearcher(searcher).search("高新技术企业认定怎么申请", k=2))
    assert new.hits[0].best_unit == units[0]
