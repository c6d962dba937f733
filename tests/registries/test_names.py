"""The "same company" rule and the matcher: full and short names, legal-form variants,
traditional and full-width characters, two similar companies, unrelated names."""

from __future__ import annotations

import pytest

from hotline.registries.matching import CompanyMatcher
from hotline.registries.names import company_key, distinctive_part

REGISTERED = ["武汉光谷芯材科技有限公司", "武汉光谷芯材生物科技有限公司", "湖北天宇光电股份有限公司",
              "武汉天字光电科技有限公司", "武漢長江數智科技有限責任公司", "武汉ＡＢＣ智能装备有限公司"]


@pytest.fixture(scope="module")
def matcher() -> CompanyMatcher[str]:
    return CompanyMatcher((name, name) for name in REGISTERED)


@pytest.mark.parametrize("name", [
    "武汉光谷芯材科技有限公司", "光谷芯材科技有限公司", "光谷芯材科技股份有限公司",
    "武汉光谷芯材科技有限责任公司", "湖北省武汉市光谷芯材科技有限公司", "武漢光谷芯材科技有限公司",
    "光谷芯材科技（武汉）有限公司", " 光谷芯材科技 有限公司 ", "光谷芯材科技集团"])
def test_one_company_has_one_key(name: str) -> None:
    assert company_key(name) == "光谷芯材科技"


def test_the_distinctive_part_drops_industry_words_at_the_end() -> None:
    assert distinctive_part("光谷芯材生物科技") == "光谷芯材"
    assert distinctive_part("科技") == "科技"  # never empty
    assert company_key("有限公司") == ""


@pytest.mark.parametrize(("question", "registered"), [
    ("武汉光谷芯材科技有限公司", "武汉光谷芯材科技有限公司"),
    ("光谷芯材科技股份有限公司", "武汉光谷芯材科技有限公司"),  # another legal form
    ("长江数智科技有限公司", "武漢長江數智科技有限責任公司"),  # traditional in the registry
    ("武汉abc智能装备有限公司", "武汉ＡＢＣ智能装备有限公司"),  # full-width in the registry
    ("天宇光电", "湖北天宇光电股份有限公司"),  # short name of one company
    ("长江数智", "武漢長江數智科技有限責任公司"),  # short name + industry word
])
def test_the_same_company_is_found(matcher: CompanyMatcher[str], question: str,
                                   registered: str) -> None:
    found = matcher.match(question)
    assert (found.outcome, found.items) == ("same", [registered])


def test_two_similar_companies_are_candidates_not_a_guess(matcher: CompanyMatcher[str]) -> None:
    found = matcher.match("光谷芯材")  # both 光谷芯材科技 and 光谷芯材生物科技 start so
    assert found.outcome == "candidates"
    assert set(found.items) == {"武汉光谷芯材科技有限公司", "武汉光谷芯材生物科技有限公司"}


def test_a_typo_gives_candidates(matcher: CompanyMatcher[str]) -> None:
    found = matcher.match("武汉光谷芯才科技有限公司")  # 才 for 材
    assert found.outcome == "candidates"
    assert found.items[0] == "武汉光谷芯材科技有限公司"


def test_a_similar_but_different_name_is_not_the_same(matcher: CompanyMatcher[str]) -> None:
    found = matcher.match("光谷芯材新能源有限公司")
    assert found.outcome == "candidates"  # offered to confirm, never said to be it
    assert "武汉光谷芯材科技有限公司" in found.items


@pytest.mark.parametrize("question", ["武汉长江航运物流有限公司", "某某", "芯", "有限公司"])
def test_unrelated_names_are_not_found(matcher: CompanyMatcher[str], question: str) -> None:
    assert matcher.match(question).outcome == "none"


def test_candidates_are_capped_at_five() -> None:
    many = CompanyMatcher((f"武汉星河{n}号科技有限公司", n) for n in range(9))
    found = many.match("星河")
    assert found.outcome == "candidates" and len(found.items) == 5 and found.total == 9
