"""Keyword tokenisation and rank fusion."""

from __future__ import annotations

import pytest

from retrieval.fusion import reciprocal_rank_fusion
from retrieval.tokenizer import ChineseTokenizer


@pytest.fixture(scope="module")
def tokenizer(knowledge) -> ChineseTokenizer:  # type: ignore[no-untyped-def]
    return ChineseTokenizer(knowledge.vocabulary(), knowledge.synonyms)


def test_domain_terms_stay_whole(tokenizer: ChineseTokenizer) -> None:
    tokens = tokenizer.tokenize("揭榜挂帅项目和容缺审批", expand=False)
    assert "揭榜挂帅" in tokens and "容缺审批" in tokens


def test_district_aliases_stay_whole(tokenizer: ChineseTokenizer) -> None:
    assert "临空港开发区" in tokenizer.tokenize("临空港开发区的企业", expand=False)


def test_abbreviation_is_expanded_to_the_documents_term(tokenizer: ChineseTokenizer) -> None:
    tokens = tokenizer.tokenize("高企 网上能办不")
    assert "高新技术企业" in tokens and "全程网办" in tokens


def test_traditional_and_full_width_forms_normalise(tokenizer: ChineseTokenizer) -> None:
    assert tokenizer.tokenize("高新技術企業", expand=False) == \
        tokenizer.tokenize("高新技术企业", expand=False)
    assert tokenizer.tokenize("ＡＩ", expand=False) == ["ai"]


def test_filler_words_are_dropped(tokenizer: ChineseTokenizer) -> None:
    assert tokenizer.tokenize("请问一下怎么办呢？", expand=False) == []


def test_fingerprint_follows_the_vocabulary() -> None:
    assert ChineseTokenizer(["甲乙"]).fingerprint != ChineseTokenizer(["甲丙"]).fingerprint
    assert ChineseTokenizer(["甲乙"]).fingerprint == ChineseTokenizer(["甲乙"]).fingerprint


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert max(fused, key=fused.get) == "b"
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)


def test_rrf_weights_tip_the_balance() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[2.0, 1.0])
    assert max(fused, key=fused.get) == "a"


def test_rrf_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be greater than 0"):
        reciprocal_rank_fusion([["a"]], k=0)
    with pytest.raises(ValueError, match="weight"):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])
