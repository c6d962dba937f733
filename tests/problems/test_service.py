"""The problem list over a real database and the real embedding model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.log import ConversationLog
from hotline.problems.clustering import Abbreviations, cluster
from hotline.problems.models import ProblemVector
from hotline.problems.service import (
    AlreadyResolved,
    GroupChanged,
    ProblemGroup,
    ProblemList,
    ProblemNotFound,
)
from hotline.tickets.ratings import RatingService
from hotline.tickets.service import NewTicket, TicketService
from tests.clock import Clock
from tests.problems.conftest import declined

if TYPE_CHECKING:
    from api.runtime import Runtime

GAOQI_DURATION = ["高企认定要多久", "高新技术企业认定周期多长", "高企认定一般需要多长时间"]
UNRELATED = ["个税汇算清缴怎么弄", "公积金怎么提取", "外国人工作许可在哪办"]


def group_of(groups: list[ProblemGroup], key: str) -> ProblemGroup:
    return next(g for g in groups if key in {item.key for item in g.items})


def test_phrasings_of_one_question_form_one_group_and_unrelated_ones_do_not(
        problems: ProblemList, log: ConversationLog) -> None:
    same = [declined(log, text) for text in GAOQI_DURATION]
    other = [declined(log, text) for text in UNRELATED]

    groups = problems.groups()

    assert [g.size for g in groups] == [3, 1, 1, 1]  # largest first
    gaoqi = groups[0]
    assert [item.key for item in gaoqi.items] == same  # oldest first
    assert gaoqi.id == same[0]  # the key of its earliest item
    assert gaoqi.kinds == {"declined": 3}
    assert gaoqi.label in GAOQI_DURATION
    assert gaoqi.first_seen <= gaoqi.last_seen
    assert sorted(g.id for g in groups[1:]) == sorted(other)


def test_poor_ratings_not_helpful_answers_and_overdue_tickets_appear_with_their_kinds(
        problems: ProblemList, log: ConversationLog, ratings: RatingService,
        tickets: TicketService, clock: Clock) -> None:
    answered = log.record(session_id="s-vote", channel="web", text="揭榜挂帅项目怎么报名",
                          intent="ask_policy", outcome="answered", confidence=0.8,
                          top_doc_id="notice", top_section="（十）")
    assert answered is not None
    ratings.vote("s-vote", answered, helpful=False)
    liked = log.record(session_id="s-liked", channel="web", text="孵化器认定有什么条件",
                       intent="ask_policy", outcome="answered", confidence=0.9,
                       top_doc_id="notice", top_section="（九）")
    assert liked is not None
    ratings.vote("s-liked", liked, helpful=True)
    log.record(session_id="s-rate", channel="web", text="科技特派员怎么申请", intent="ask_policy",
               outcome="answered", confidence=0.7, top_doc_id=None, top_section=None)
    poor = ratings.rate("s-rate", 1, "答非所问，说了半天也没解决")
    log.record(session_id="s-good", channel="web", text="光谷的企业找谁", intent="ask_liaison",
               outcome="liaison", confidence=1.0, top_doc_id=None, top_section=None)
    ratings.rate("s-good", 5)
    late = tickets.open(NewTicket(session_id="s-ticket", channel="web",
                                  question="研发费用加计扣除和高企认定怎么衔接",
                                  company="武汉星河科技有限公司", phone="13912345678",
                                  district="光谷"))
    clock.advance(days=10)  # past the first-contact and solution deadlines
    fresh = tickets.open(NewTicket(session_id="s-fresh", channel="web", question="众创空间备案条件",
                                   company=None, phone=None, district="江岸区"))

    items = {item.key: item for g in problems.groups() for item in g.items}

    vote = next(i for i in items.values() if i.key.startswith("vote:"))
    assert vote.kind == "not_helpful" and vote.text == "揭榜挂帅项目怎么报名"
    rating = items[f"rating:{poor.rating_id}"]
    assert rating.kind == "poor_rating" and rating.text == "答非所问，说了半天也没解决"
    assert "非常不满意" in rating.detail
    overdue = items[f"ticket:{late.id}"]
    assert overdue.kind == "overdue" and overdue.ticket_id == late.id
    assert overdue.text == "研发费用加计扣除和高企认定怎么衔接" and "超过" in overdue.detail
    # the complaint ticket the poor rating opened is overdue by now too
    assert f"ticket:{poor.complaint_ticket_id}" in items
    assert f"ticket:{fresh.id}" not in items  # not due yet
    assert [i.text for i in items.values() if i.kind == "not_helpful"] == ["揭榜挂帅项目怎么报名"]
    assert {i.kind for i in items.values()} == {"not_helpful", "poor_rating", "overdue"}

    tickets.act(late.id, "contact", "彭华魁")
    tickets.act(late.id, "resolve", "彭华魁", resolution="已电话说明")
    assert f"ticket:{late.id}" not in {i.key for g in problems.groups() for i in g.items}


def test_a_resolved_group_leaves_the_open_list_and_similar_new_items_form_a_new_group(
        problems: ProblemList, log: ConversationLog, clock: Clock) -> None:
    same = [declined(log, text) for text in GAOQI_DURATION]
    declined(log, UNRELATED[0])

    resolved = problems.resolve(same[0], "热线-王芳", "  已补充FAQ：高企认定周期  ")

    assert resolved.resolution is not None
    assert resolved.resolution.text == "已补充FAQ：高企认定周期"
    assert resolved.resolution.staff == "热线-王芳"
    assert resolved.resolution.resolved_at == clock.now
    open_keys = {i.key for g in problems.groups() for i in g.items}
    assert open_keys.isdisjoint(same) and len(open_keys) == 1
    [done] = problems.groups("resolved")
    assert done.id == same[0] and [i.key for i in done.items] == same
    assert done.resolution == resolved.resolution and done.label == resolved.label
    assert done.kinds == {"declined": 3}

    with pytest.raises(AlreadyResolved):
        problems.resolve(same[0], "热线-李敏", "重复处理")
    with pytest.raises(ProblemNotFound):
        problems.resolve("turn:999999", "热线-李敏", "不存在")
    with pytest.raises(ValueError, match="处理结果不能为空"):
        problems.resolve(open_keys.pop(), "热线-李敏", "   ")

    again = declined(log, "高企认定到底要多长时间")
    new_group = group_of(problems.groups(), again)
    assert new_group.id == again and new_group.size == 1  # not merged into the resolved one
    assert problems.groups("resolved", since=clock.now)[0].id == same[0]


def test_resolving_only_the_items_seen_leaves_later_ones_open(
        problems: ProblemList, log: ConversationLog) -> None:
    seen = [declined(log, text) for text in GAOQI_DURATION[:2]]
    later = declined(log, GAOQI_DURATION[2])
    group = group_of(problems.groups(), seen[0])
    assert group.size == 3

    with pytest.raises(GroupChanged):
        problems.resolve(group.id, "热线-王芳", "已补充FAQ", item_keys=[*seen, "turn:999999"])
    problems.resolve(group.id, "热线-王芳", "已补充FAQ", item_keys=seen)

    [left] = problems.groups()
    assert [i.key for i in left.items] == [later] and left.id == later
    with pytest.raises(AlreadyResolved):
        problems.resolve(later, "热线-王芳", "已补充FAQ", item_keys=[seen[0], later])


def test_each_group_is_resolved_on_its_own_and_empty_selections_are_refused(
        problems: ProblemList, log: ConversationLog) -> None:
    keys = [declined(log, text) for text in UNRELATED[:2]]
    with pytest.raises(ValueError, match="请至少选择一条问题"):
        problems.resolve(keys[0], "管理员", "已澄清政策口径", item_keys=[])
    with pytest.raises(ValueError, match="处理人不能为空"):
        problems.resolve(keys[0], "  ", "已澄清政策口径")
    for key in keys:  # unrelated questions are separate groups, each closed by its id
        done = problems.resolve(key, "管理员", "已澄清政策口径：不属于科技局职责")
        assert done.id == key and done.size == 1
    assert problems.groups() == []
    assert sorted(g.id for g in problems.groups("resolved")) == sorted(keys)
    with pytest.raises(AlreadyResolved):
        problems.resolve(keys[0], "管理员", "again", item_keys=keys[:1])


def test_groups_are_the_same_from_a_new_list_and_vectors_are_embedded_once(
        problems: ProblemList, log: ConversationLog, sessions: sessionmaker[Session],
        runtime: Runtime, clock: Clock) -> None:
    model = runtime.embedder
    assert model is not None
    same_fingerprint, same_dimension = model.fingerprint, model.dimension
    for text in [*GAOQI_DURATION, *UNRELATED, "高企認定要多久"]:
        declined(log, text)
    first = problems.groups()
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(ProblemVector))
    assert stored == 6  # 高企認定要多久 is the same text as 高企认定要多久 once normalised

    class NoEmbedding:
        """The same model's fingerprint, but embedding again would fail the test."""

        fingerprint = same_fingerprint
        dimension = same_dimension

        def encode_queries(self, texts: list[str]) -> np.ndarray:
            raise AssertionError(f"re-embedded {texts}")

    fresh = ProblemList(sessions, lambda: NoEmbedding(), clock,  # type: ignore[arg-type,return-value]
                        threshold=problems.threshold, synonyms=runtime.knowledge.synonyms)
    assert [(g.id, g.label, [i.key for i in g.items]) for g in fresh.groups()] == \
        [(g.id, g.label, [i.key for i in g.items]) for g in first]
    assert first[0].size == 4  # the traditional-character copy joined its question


def test_without_a_model_only_identical_questions_group(sessions: sessionmaker[Session],
                                                          log: ConversationLog) -> None:
    keys = [declined(log, text) for text in ["高企認定要多久", "高企认定要多久 ", "高企认定周期"]]
    groups = ProblemList(sessions, None).groups()
    assert [[i.key for i in g.items] for g in groups] == [keys[:2], keys[2:]]


def test_every_two_items_of_a_group_are_at_least_the_threshold_apart(runtime) -> None:  # type: ignore[no-untyped-def]
    texts = [*GAOQI_DURATION, *UNRELATED, "个人所得税怎么申报", "高企证书有效期几年",
             "研发费用加计扣除比例是多少", "研发费用能加计扣除多少"]
    prepare = Abbreviations(runtime.knowledge.synonyms).prepare
    vectors = runtime.embedder.encode_queries([prepare(t) for t in texts])
    for threshold in (0.9, 0.92, 0.95):
        groups = cluster(vectors, threshold)
        assert sorted(r for g in groups for r in g) == list(range(len(texts)))
        for rows in groups:
            block = vectors[rows] @ vectors[rows].T
            assert block.min() >= threshold - 1e-6
    assert cluster(vectors, 0.92) == cluster(vectors.copy(), 0.92)  # deterministic


def test_abbreviations_are_spelled_out_without_doubling_words(runtime) -> None:  # type: ignore[no-untyped-def]
    prepare = Abbreviations(runtime.knowledge.synonyms).prepare
    assert prepare("高企认定要多久") == "高新技术企业认定要多久"
    assert prepare("高企認定要多久") == "高新技术企业认定要多久"
    assert prepare("科技企业孵化器怎么认定") == "科技企业孵化器怎么认定"
    assert prepare("ＡＢＣ") == "abc"
