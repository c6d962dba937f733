"""Place names written with sound-alike characters are recognised, and only those."""

from __future__ import annotations

import pytest

from knowledge.homophones import HomophoneMatcher, fuzzy, readings, sounds_alike

NAMES = {"洪山区": "洪山区", "洪山": "洪山区", "蔡甸": "蔡甸区", "黄陂": "黄陂区", "沌口": "武汉开发区",
         "新洲区": "新洲区", "关东街道": "东湖高新区", "武湖": "黄陂区", "汉南": "武汉开发区"}


def heard(text: str) -> list[tuple[str, str]]:
    return [(h.written, h.name) for h in HomophoneMatcher(NAMES).find(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("我们在红山区，科技局谁对接", [("红山区", "洪山区")]),
    ("菜甸的企业找谁", [("菜甸", "蔡甸")]),
    ("顿口那边谁负责", [("顿口", "沌口")]),
    ("黄坡联系人", [("黄坡", "黄陂")]),  # 陂 also reads po
    ("新州区的包区领导", [("新州区", "新洲区")]),
    ("官东街道的企业", [("官东街道", "关东街道")]),
    ("关冬街到的企业", [("关冬街到", "关东街道")]),  # two slips of four: still heard
])
def test_sound_alike_spellings_are_heard(text: str, expected: list[tuple[str, str]]) -> None:
    assert heard(text) == expected


@pytest.mark.parametrize("text", [
    "洪山区的企业找谁",  # written correctly: the exact matcher's business
    "服务湖北实验室建设",  # 务湖 sounds like 武湖, but across two words
    "下放事项在武汉哪里受理",  # 汉哪 across two words
    "这个政策很清楚",
    "红色山区",  # not the same length
    "宏善区",  # nothing of 洪山区 written as it is
])
def test_nothing_else_is_heard(text: str) -> None:
    assert heard(text) == []


def test_fuzzy_pairs_only_for_longer_names() -> None:
    assert fuzzy("zhang") == "zan" and fuzzy("lin") == "nin" and fuzzy("ang") == "an"
    assert sounds_alike("山", "三", allow_fuzzy=True)  # shan ~ san
    assert not sounds_alike("山", "三", allow_fuzzy=False)
    assert HomophoneMatcher({"青山区": 1}).find("青三区")[0].name == "青山区"  # 3 chars: fuzzy
    assert HomophoneMatcher({"江夏": 1}).find("将下") == []  # 2 chars: exact readings and a
    assert readings("a") == frozenset()  # shared character needed


def test_the_directory_hears_only_when_no_place_is_written_correctly(knowledge) -> None:  # type: ignore[no-untyped-def]
    directory = knowledge.directory
    found = directory.heard_in_text("红山区的联系人是谁")
    assert found is not None and found.liaison.district == "洪山区"
    assert directory.heard_in_text("洪山区的联系人是谁") is None
    assert directory.heard_in_text("光谷的企业，红山区的也行") is None


def test_no_knowledge_base_text_is_misheard_as_a_place(knowledge) -> None:  # type: ignore[no-untyped-def]
    misheard = [(text[:30], found.written, found.name)
                for document in knowledge.documents for chunk in document.chunks
                for text in chunk.search_texts
                if (found := knowledge.directory.heard_in_text(text)) is not None]
    assert misheard == []


def test_no_dev_question_about_anything_else_is_misheard_as_a_place(knowledge) -> None:  # type: ignore[no-untyped-def]
    from eval.sets import load_questions

    others = [q for q in load_questions("dev") if q.kind != "liaison"]
    assert len(others) > 400
    misheard = [(q.text, found.written) for q in others
                if (found := knowledge.directory.heard_in_text(q.text)) is not None]
    assert misheard == []
