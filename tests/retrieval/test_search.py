"""Hybrid search over the real index of the shipped knowledge base, with the real model."""

from __future__ import annotations

import pytest

from retrieval.build import tokenizer_for
from retrieval.calibration import Calibration
from retrieval.searcher import HybridSearcher
from retrieval.store import IndexStore
from tests.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def searcher(knowledge, embedder, index_dir) -> HybridSearcher:  # type: ignore[no-untyped-def]
    index = IndexStore(index_dir).load_current()
    calibration = Calibration.load(PROJECT_ROOT / "eval" / "calibration.json")
    return HybridSearcher(index, embedder, tokenizer_for(knowledge), calibration)


def _top_section(searcher: HybridSearcher, knowledge, query: str) -> str:  # type: ignore[no-untyped-def]
    top = searcher.search(query, k=3).top
    assert top is not None
    section: str = knowledge.chunk(top.chunk_id).section
    return section


@pytest.mark.parametrize(("query", "label"), [
    ("高企 网上能办不", "（八）"),
    ("问题整改清单 限期整改是怎么规定的", "（十五）"),
    ("改革创新出错了 干部能容错免责吗", "（十七）"),
    ("院士专家引领十大高端产业发展行动", "（十三）"),
])
def test_notice_questions_find_their_clause_first(searcher, knowledge, query, label) -> None:  # type: ignore[no-untyped-def]
    assert _top_section(searcher, knowledge, query).startswith(label)


def test_traditional_characters_find_the_same_clause(searcher, knowledge) -> None:  # type: ignore[no-untyped-def]
    simplified = searcher.search("高新技术企业认定能不能全程网上办理", k=1).top
    traditional = searcher.search("高新技術企業認定能不能全程網上辦理", k=1).top
    assert simplified is not None and traditional is not None
    assert simplified.chunk_id == traditional.chunk_id


def test_answerable_question_is_more_confident_than_an_unrelated_one(searcher) -> None:  # type: ignore[no-untyped-def]
    answerable = searcher.search("高企 网上能办不").confidence
    unrelated = searcher.search("明天武汉下不下雨").confidence
    assert answerable > 0.5 > unrelated


def test_hits_are_ranked_and_explained(searcher) -> None:  # type: ignore[no-untyped-def]
    result = searcher.search("外国人来华工作许可怎么办理", k=5)
    assert len(result.hits) == 5
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert len({hit.chunk_id for hit in result.hits}) == 5
    top = result.hits[0]
    assert 0 < top.coverage <= 1 and -1 <= top.dense <= 1 and 0 <= top.confidence <= 1
    assert top.best_unit.chunk_id == top.chunk_id


def test_empty_or_filler_query_finds_nothing_confidently(searcher) -> None:  # type: ignore[no-untyped-def]
    assert searcher.search("   ").hits == []
    assert searcher.search("？？？").confidence < 0.5


def test_k_must_be_positive(searcher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="k must be greater than 0"):
        searcher.search("高企", k=0)


def test_confidence_features_describe_the_hit_and_the_query(knowledge, embedder, index_dir) -> None:  # type: ignore[no-untyped-def]
    from retrieval.calibration import FEATURES

    store = IndexStore(index_dir)
    searcher = HybridSearcher(store.load_current(), embedder, tokenizer_for(knowledge),
                              referrals=knowledge.referrals)
    chinese = searcher.search("高企认定需要满足哪些条件", k=3).hits[0]
    assert len(chinese.features) == len(FEATURES)
    named = dict(zip(FEATURES, chinese.features, strict=True))
    assert named["latin"] == 0.0 and named["referral"] == 0.0
    assert named["question_unit"] == 1.0  # an FAQ question matched best
    assert -1.0 <= named["dense_gap"] <= 1.0 and named["dense"] > 0.8
    english = dict(zip(FEATURES, searcher.search("Can I apply online?", k=3).hits[0].features,
                       strict=True))
    assert english["latin"] > 0.5
    tax = dict(zip(FEATURES, searcher.search("个税汇算清缴怎么弄", k=3).hits[0].features,
                   strict=True))
    assert tax["referral"] == 1.0  # names another agency's topic (referrals.yml)
