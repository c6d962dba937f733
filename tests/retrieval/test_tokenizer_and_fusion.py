"""Keyword tokenisation and the z-score fusion of dense and sparse scores."""

from __future__ import annotations

import pytest

from retrieval.fusion import zscore_fusion
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


def test_zscore_fusion_sums_standardised_scores() -> None:
    # dense: mean 0.8, population sd 0.1/sqrt(1.5); sparse: mean 2.5, sd 0.5
    fused = zscore_fusion([{"a": 0.9, "b": 0.8, "c": 0.7}, {"a": 2.0, "b": 3.0}])
    dense_sd = (0.02 / 3) ** 0.5
    assert fused == pytest.approx({
        "a": 0.1 / dense_sd + (2.0 - 2.5) / 0.5,
        "b": 0.0 + (3.0 - 2.5) / 0.5,
        "c": -0.1 / dense_sd + (2.0 - 2.5) / 0.5,  # missing from sparse: its minimum
    })
    assert list(fused) == ["a", "b", "c"]  # the union, in first-seen order


def test_zscore_fusion_keeps_how_far_ahead_the_winner_is() -> None:
    # the same ranks in both cases (rank fusion could not tell them apart), different leads
    clear = zscore_fusion([{"a": 10.0, "b": 1.0, "c": 0.0}])
    close = zscore_fusion([{"a": 1.1, "b": 1.0, "c": 0.0}])
    assert sorted(clear, key=clear.__getitem__) == sorted(close, key=close.__getitem__) == ["c", "b", "a"]
    assert clear["a"] - clear["b"] > 2 * (close["a"] - close["b"])


def test_zscore_fusion_weights_tip_the_balance() -> None:
    maps = [{"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}]
    assert zscore_fusion(maps) == {"a": 0.0, "b": 0.0}
    dense_heavy = zscore_fusion(maps, weights=[2.0, 1.0])
    assert max(dense_heavy, key=dense_heavy.__getitem__) == "a"
    assert dense_heavy == pytest.approx({"a": 1.0, "b": -1.0})


def test_zscore_fusion_ignores_flat_and_empty_maps() -> None:
    fused = zscore_fusion([{"a": 0.5, "b": 0.5}, {}, {"a": 3.0, "b": 1.0}])
    assert fused == pytest.approx({"a": 1.0, "b": -1.0})
    assert zscore_fusion([{}, {}]) == {}
    assert zscore_fusion([{"only": 7.0}]) == {"only": 0.0}


def test_zscore_fusion_needs_one_weight_per_map() -> None:
    with pytest.raises(ValueError, match="one weight per score map"):
        zscore_fusion([{"a": 1.0}, {"a": 2.0}], weights=[1.0])


def test_zscore_fusion_docstring_example_holds() -> None:
    import doctest

    from retrieval import fusion

    assert doctest.testmod(fusion).failed == 0
