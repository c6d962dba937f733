"""The liaison directory: in step with the annex, and found through the names people use."""

from __future__ import annotations

import pytest

from knowledge.directory import DirectoryError, Liaison, LiaisonDirectory
from knowledge.notice_parser import parse_notice
from tests.paths import DIRECTORY_PATH, NOTICE_PATH


@pytest.fixture(scope="module")
def directory() -> LiaisonDirectory:
    return LiaisonDirectory.from_yaml(DIRECTORY_PATH)


def test_directory_rows_match_the_notice_annex(directory: LiaisonDirectory) -> None:
    annex = parse_notice(NOTICE_PATH.read_text(encoding="utf-8")).annex_rows
    rows = [(item.district, item.leader, item.leader_title, item.department, item.contact)
            for item in directory.liaisons]
    assert rows == [(r.district, r.leader, r.leader_title, r.department, r.contact)
                    for r in annex]


@pytest.mark.parametrize(("message", "district"), [
    ("光谷的企业找谁？", "东湖高新区"),
    ("我们公司在未来科技城", "东湖高新区"),
    ("武汉经开区的对接人", "武汉开发区"),
    ("经开区", "武汉开发区"),
    ("沌口那边的企业", "武汉开发区"),
    ("车谷", "武汉开发区"),
    ("汉南区的科技企业找哪个处", "武汉开发区"),
    ("东西湖区", "临空港开发区"),
    ("临空港的联系人", "临空港开发区"),
    ("江夏", "江夏区"),
    ("桥口区", "硚口区"),  # a common mistyping of 硚
    ("東西湖區的企業", "临空港开发区"),  # traditional characters
    ("我们在汉正街", "硚口区"),
])
def test_aliases_and_landmarks_resolve_to_their_district(
        directory: LiaisonDirectory, message: str, district: str) -> None:
    found = directory.find_in_text(message)
    assert found is not None and found.district == district


def test_longest_name_wins_over_a_shorter_one_inside_it(directory: LiaisonDirectory) -> None:
    # 东湖开发区 must not be read as something else; 武汉开发区 is not 开发区 of another zone
    assert [item.district for item in directory.find_all_in_text("东湖开发区和武汉开发区")] == \
        ["东湖高新区", "武汉开发区"]


def test_several_districts_are_listed_once_each_in_order(directory: LiaisonDirectory) -> None:
    found = directory.find_all_in_text("我们在江夏，分公司在光谷和东湖高新")
    assert [item.district for item in found] == ["江夏区", "东湖高新区"]


def test_text_without_a_place_finds_nothing(directory: LiaisonDirectory) -> None:
    assert directory.find_in_text("高企认定需要什么材料") is None


def test_leader_lookup_lists_all_their_districts(directory: LiaisonDirectory) -> None:
    assert [item.district for item in directory.districts_of_leader("胡军")] == ["东湖高新区", "汉阳区"]
    assert [item.district for item in directory.districts_of_leader("盛继亮")] == ["洪山区", "黄陂区"]
    assert directory.find_leader_in_text("胡军副局长负责哪些区？") == "胡军"


def test_an_alias_claimed_by_two_districts_is_refused(directory: LiaisonDirectory) -> None:
    a = Liaison("甲区", "甲区", "张三", "局长", "办公室", "李四", ("共用名",))
    b = Liaison("乙区", "乙区", "王五", "局长", "办公室", "赵六", ("共用名",))
    with pytest.raises(DirectoryError, match="共用名"):
        LiaisonDirectory([a, b], directory.source)


def test_edited_directory_file_is_used(tmp_path, directory: LiaisonDirectory) -> None:  # type: ignore[no-untyped-def]
    edited = DIRECTORY_PATH.read_text(encoding="utf-8").replace("contact: 郭峰", "contact: 新联系人")
    path = tmp_path / "directory.yml"
    path.write_text(edited, encoding="utf-8")
    liaison = LiaisonDirectory.from_yaml(path).get("江夏")
    assert liaison is not None and liaison.contact == "新联系人"
