"""The notice is split by its own structure, artefacts of the published text included."""

from __future__ import annotations

import pytest

from knowledge.notice_parser import NoticeFormatError, parse_notice
from tests.paths import NOTICE_PATH, SHARED_NOTICE


@pytest.fixture(scope="module")
def notice():  # type: ignore[no-untyped-def]
    return parse_notice(NOTICE_PATH.read_text(encoding="utf-8"))


def test_shipped_notice_is_the_published_text() -> None:
    if not SHARED_NOTICE.exists():
        pytest.skip("shared data folder not beside this checkout")
    assert NOTICE_PATH.read_bytes() == SHARED_NOTICE.read_bytes()


def test_header_fields(notice) -> None:  # type: ignore[no-untyped-def]
    assert notice.issuer == "武汉市科学技术局"
    assert notice.doc_number == "武科函〔2021〕10号"
    assert notice.title.startswith("市科技局关于以创新主体需求为导向")
    assert notice.preamble.startswith("为深入贯彻")


def test_all_seventeen_clauses_in_order_with_full_width_labels(notice) -> None:  # type: ignore[no-untyped-def]
    assert [c.number for c in notice.clauses] == list(range(1, 18))
    assert all(c.label.startswith("（") and c.label.endswith("）") for c in notice.clauses)
    assert notice.clauses[7].section == "（八）优化高企认定服务流程"
    # (十二)…(十七) are half-width in the source
    assert notice.clauses[11].section == "（十二）建设高质量众创孵化载体"
    assert notice.clauses[14].section == "（十五）完善问题清单整改机制"


def test_clauses_belong_to_their_parts(notice) -> None:  # type: ignore[no-untyped-def]
    parts = {c.number: c.part_label for c in notice.clauses}
    assert [parts[n] for n in (1, 4, 5, 7, 8, 13, 14, 17)] == \
        ["一、", "一、", "二、", "二、", "三、", "三、", "四、", "四、"]
    assert notice.clauses[0].part_title == "更大力度优化政务服务环境"


@pytest.mark.parametrize(("number", "joined"), [
    (4, "“双评议”二维码、综合点评"),  # page break after 二维码、
    (9, "积极跟踪服务湖北实验室建设"),  # page break inside 服务
    (11, "培育“教授经纪人”队伍"),  # page break inside 经纪人
])
def test_page_breaks_inside_a_clause_are_joined_without_a_gap(notice, number, joined) -> None:  # type: ignore[no-untyped-def]
    assert joined in notice.clauses[number - 1].text


def test_every_clause_ends_with_a_full_stop(notice) -> None:  # type: ignore[no-untyped-def]
    assert all(c.text.endswith("。") for c in notice.clauses)


def test_annex_has_fourteen_whole_rows(notice) -> None:  # type: ignore[no-untyped-def]
    rows = notice.annex_rows
    assert len(rows) == 14
    assert notice.annex_title == "以创新主体需求为导向持续优化科技领域营商环境包区服务责任分工表"
    assert (rows[0].district, rows[0].leader, rows[0].leader_title, rows[0].department,
            rows[0].contact) == ("东湖高新区", "胡军", "副局长", "高新处", "彭华魁")
    assert rows[2].leader_title == "二级巡视员"
    assert rows[-1].district == "新洲区" and rows[-1].contact == "阮聪"
    assert len({r.district for r in rows}) == 14


def test_half_width_label_with_space_is_recognised() -> None:
    text = ("武汉市科学技术局\n武科函〔2021〕10号\n标题\n各单位：\n导语。\n一、第一部分\n"
            "(一) 第一条标题。正文。\n\n（二）第二条标题。正文接\n\n续。\n")
    notice = parse_notice(text)
    assert [c.section for c in notice.clauses] == ["（一）第一条标题", "（二）第二条标题"]
    assert notice.clauses[1].text.endswith("正文接续。")


def test_text_without_a_document_number_is_refused() -> None:
    with pytest.raises(NoticeFormatError):
        parse_notice("随便一段话\n没有文号\n")


def test_skipped_clause_number_is_refused() -> None:
    text = "局\n武科函〔2021〕1号\n标题\n各单位：\n导语。\n一、部分\n（一）甲。乙。\n（三）丙。丁。\n"
    with pytest.raises(NoticeFormatError, match="sequence"):
        parse_notice(text)
