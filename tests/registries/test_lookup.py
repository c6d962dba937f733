"""Look-ups and their answers from imported (generated) registries: a match names the
registry, its source and date and says 以官方公布为准; similar names are buttons; nothing
found is said plainly; an empty registry says it was not imported — never a guess."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.registry import answer_question, read_question
from hotline.registries.answers import GENERATED_NOTE, pick_payload
from hotline.registries.lookup import RegistryLookup
from hotline.registries.store import RegistryStore
from knowledge.directory import LiaisonDirectory
from tests.registries.conftest import SOURCE, fixture_bytes

TODAY = date(2025, 6, 1)


@pytest.fixture
def lookup(store: RegistryStore, directory: LiaisonDirectory) -> RegistryLookup:
    for kind, name in (("hightech", "hightech.csv"), ("incubator", "incubators_gbk.csv"),
                       ("commissioner", "commissioners.xlsx")):
        preview = store.import_file(kind, name, fixture_bytes(name), SOURCE, date(2024, 12, 20),
                                    "测试管理员", directory)
        store.activate(preview.version.id, "测试管理员")
    return RegistryLookup(store)


def _ask(text: str, lookup: RegistryLookup, directory: LiaisonDirectory) -> tuple[str, str,
                                                                                  list[str]]:
    question = read_question(text, directory)
    assert question is not None, text
    reply = answer_question(question, lookup, TODAY).reply
    return reply.outcome, reply.text, [title for title, _payload in reply.buttons]


def test_a_company_found_names_the_registry_its_date_and_the_caveat(
        lookup: RegistryLookup, directory: LiaisonDirectory) -> None:
    outcome, text, buttons = _ask("武汉光谷芯材科技有限公司是不是高新技术企业？", lookup, directory)
    assert outcome == "found" and not buttons
    assert "“武汉光谷芯材科技有限公司”在高新技术企业名单中" in text
    assert "GR202342000101" in text and "有效期至 2026年12月8日（在有效期内）" in text
    assert f"来源：高新技术企业名单（{SOURCE}，2024年12月20日发布）{GENERATED_NOTE}" in text
    assert "以官方公布为准" in text


def test_variants_and_short_names_find_the_registered_company(
        lookup: RegistryLookup, directory: LiaisonDirectory) -> None:
    for text in ("长江数智科技有限公司是高企吗", "天宇光电是不是高企", "武汉abc智能装备有限公司是高企吗"):
        outcome, answer, _ = _ask(text, lookup, directory)
        assert outcome == "found", (text, answer)
    _, answer, _ = _ask("长江数智科技有限公司是高企吗", lookup, directory)
    assert "武漢長江數智科技有限責任公司" in answer  # the registered name, as published


def test_two_similar_companies_are_offered_as_buttons(lookup: RegistryLookup,
                                                      directory: LiaisonDirectory) -> None:
    outcome, text, buttons = _ask("光谷芯材是高企吗", lookup, directory)
    assert outcome == "candidates"
    assert set(buttons) == {"武汉光谷芯材科技有限公司", "武汉光谷芯材生物科技有限公司"}
    assert "请确认是哪一家" in text and "以官方公布为准" in text
    assert "在高新技术企业名单中" not in text  # no answer for either until one is picked
    outcome, text, _ = _ask(pick_payload("武汉光谷芯材生物科技有限公司"), lookup, directory)
    assert outcome == "found" and "GR202342000102" in text


def test_an_unrelated_company_is_not_found_plainly(lookup: RegistryLookup,
                                                   directory: LiaisonDirectory) -> None:
    outcome, text, buttons = _ask("武汉长江航运物流有限公司是不是高企", lookup, directory)
    assert outcome == "not_found" and not buttons
    assert text.startswith("登记信息中没有找到“武汉长江航运物流有限公司”，以官方公布为准。")


def test_certificates_valid_expired_unknown_and_incomplete(lookup: RegistryLookup,
                                                           directory: LiaisonDirectory) -> None:
    outcome, text, _ = _ask("证书号 GR202342000404 还有效吗", lookup, directory)
    assert outcome == "found" and "武漢長江數智科技有限責任公司" in text and "在有效期内" in text
    _, text, _ = _ask("GR202142000333 还有效吗", lookup, directory)
    assert "有效期至 2024年12月15日（已过有效期）" in text
    outcome, text, _ = _ask("GR202342999999 是哪家的", lookup, directory)
    assert outcome == "not_found" and "登记信息中没有找到证书编号 GR202342999999" in text
    outcome, text, _ = _ask("证书号 GR2023420xxxxx 还有效吗", lookup, directory)
    assert outcome == "incomplete" and "GR 加 12 位数字" in text


def test_incubators_by_district_level_and_kind(lookup: RegistryLookup,
                                               directory: LiaisonDirectory) -> None:
    outcome, text, _ = _ask("东湖高新区有哪些国家级孵化器？", lookup, directory)
    assert outcome == "found" and "共 1 条" in text and "光谷创芯孵化器" in text
    assert "光谷生物孵化器" not in text  # 省级
    assert "光谷青年创客空间" not in text  # a 众创空间
    _, text, _ = _ask("光谷有哪些孵化载体", lookup, directory)
    assert all(name in text for name in ("光谷创芯孵化器", "光谷青年创客空间", "光谷生物孵化器"))
    outcome, text, _ = _ask("新洲区有哪些孵化器", lookup, directory)
    assert outcome == "not_found"
    assert text.startswith("登记信息中没有找到新洲区的孵化器，以官方公布为准。")


def test_commissioners_by_field_and_district(lookup: RegistryLookup,
                                             directory: LiaisonDirectory) -> None:
    outcome, text, _ = _ask("查一下做光电方向的科技特派员", lookup, directory)
    assert outcome == "found" and "张光明（虚构）" in text and "赵强（虚构）" in text
    _, text, _ = _ask("东湖高新区做光电的科技特派员有哪些", lookup, directory)
    assert "张光明（虚构）" in text and "赵强（虚构）" not in text
    outcome, text, _ = _ask("有没有做区块链的科技特派员", lookup, directory)
    assert outcome == "not_found" and "登记信息中没有找到区块链方向的科技特派员" in text


def test_a_registry_not_imported_says_so_and_points_to_the_official_look_up(
        store: RegistryStore, directory: LiaisonDirectory) -> None:
    empty = RegistryLookup(store)
    outcome, text, buttons = _ask("武汉光谷芯材科技有限公司是不是高新技术企业", empty, directory)
    assert outcome == "not_imported" and not buttons
    assert "高新技术企业名单还没有导入本系统" in text and "鄂汇办“高新技术企业信息查询”" in text
    assert "GR" not in text and "有效期" not in text
    outcome, text, _ = _ask("东湖高新区有哪些国家级孵化器", empty, directory)
    assert outcome == "not_imported" and "国家科技企业孵化器信息查询" in text
