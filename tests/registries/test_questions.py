"""Reading registry questions out of messages, and telling them from policy questions (the
direct path routes by these rules)."""

from __future__ import annotations

import pytest

from assistant.registry import asks_registry, company_in, read_question
from hotline.registries.answers import pick_payload
from hotline.registries.formats import RegistryKind
from knowledge.directory import LiaisonDirectory


@pytest.mark.parametrize(("text", "company"), [
    ("武汉某某科技有限公司是不是高新技术企业？", "武汉某某科技有限公司"),
    ("请问武汉光谷芯材科技有限公司是高企吗", "武汉光谷芯材科技有限公司"),
    ("帮我查一下湖北天宇光电股份有限公司是不是高企", "湖北天宇光电股份有限公司"),
    ("光谷芯材是高企吗", "光谷芯材"),
    ("天宇光电算不算高新技术企业", "天宇光电"),
    ("高企名单里有没有光谷芯材", "光谷芯材"),
    ("我们公司是不是高企", None),
])
def test_the_company_is_read_from_the_message(text: str, company: str | None) -> None:
    assert company_in(text) == company


def test_certificates_districts_levels_and_fields(directory: LiaisonDirectory) -> None:
    cert = read_question("证书号 ＧＲ２０２３４２０００１０１ 还有效吗", directory)
    assert cert is not None and cert.certificate == "GR202342000101"
    partial = read_question("证书号 GR2023420xxxxx 还有效吗", directory)
    assert partial is not None and partial.malformed_certificate == "GR2023420XXXXX"
    incubators = read_question("东湖高新区有哪些国家级孵化器？", directory)
    assert incubators is not None
    assert (incubators.kind, incubators.district, incubators.level, incubators.incubator_kind) \
        == (RegistryKind.INCUBATOR, "东湖高新区", "国家级", "孵化器")
    spaces = read_question("光谷有哪些众创空间", directory)
    assert spaces is not None and (spaces.district, spaces.incubator_kind) == ("东湖高新区", "众创空间")
    people = read_question("查一下做光电方向的科技特派员", directory)
    assert people is not None and (people.kind, people.keyword, people.district) == \
        (RegistryKind.COMMISSIONER, "光电", None)
    local = read_question("江夏区有没有做生物医药的科技特派员", directory)
    assert local is not None and (local.keyword, local.district) == ("生物医药", "江夏区")
    picked = read_question(pick_payload("武汉光谷芯材科技有限公司"), directory)
    assert picked is not None and picked.company == "武汉光谷芯材科技有限公司"


@pytest.mark.parametrize("text", [
    "武汉某某科技有限公司是不是高新技术企业？", "证书号 GR202342000101 还有效吗",
    "东湖高新区有哪些国家级孵化器？", "查一下做光电方向的科技特派员", "光谷芯材是高企吗",
    "江夏区的众创空间名单", pick_payload("武汉光谷芯材科技有限公司")])
def test_look_ups_are_registry_questions(directory: LiaisonDirectory, text: str) -> None:
    assert asks_registry(text, directory)


@pytest.mark.parametrize("text", [
    "高企认定要啥条件", "孵化器认定条件是什么", "科技特派员怎么申请", "国家级孵化器和省级有什么区别",
    "手机上能不能查一家公司是不是高企", "市级科技特派员信息在哪查", "高企有没有奖励 奖多少钱",
    "我们公司是不是高企", "光谷的企业找谁", "孵化器有什么补贴", "你好",
    # eval and other tests' policy questions that name a registry
    "双随机一公开抽查 会抽到我们孵化器吗", "公司从湖南整体迁过来 高企资格还算不算",
    "实习生算不算高企的科技人员", "研发加计扣除跟高企审计是一套数吗", "第一次报高企 有没有人上门辅导的",
    "我们从孝感整体搬到武汉 高企资格还有效吗", "市级科技特派员 有哪几种类型",
    "高企 tax rate 15% 亏损结转年限是不是也能延长", "高企年报和工商年报是一个东西吗",
    "数字真人主播技术算不算高新技术", "孵化器认定找谁", "科技特派员有哪些服务",
    "想把园区的孵化器升国家级 在孵的公司数量有门槛吗", "眾創空間 一定要有實體場地嗎",
    "東湖高新區的ＡＢＣ公司，高企認定找誰"])
def test_policy_questions_are_not(directory: LiaisonDirectory, text: str) -> None:
    assert not asks_registry(text, directory)
