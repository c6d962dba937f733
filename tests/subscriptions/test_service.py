"""Subscribing, listing, unsubscribing, and announcing a publish (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from hotline.library.content import Metadata
from hotline.library.lifecycle import Move
from hotline.subscriptions.service import NotVerified, UnknownTopic
from hotline.subscriptions.setup import publish_of
from tests.subscriptions.conftest import Desk


def test_subscribe_list_unsubscribe_one_and_all(desk: Desk) -> None:
    service = desk.subscriptions
    assert service.subscribe("wx:oAcme", "high_tech") is True
    assert service.subscribe("wx:oAcme", "high_tech") is False  # once
    assert service.subscribe("wx:oAcme", "transfer") is True
    assert service.subscribe("eh:u42:abc", "projects") is True
    assert service.topics_of("wx:oAcme") == ["high_tech", "transfer"]
    assert service.unsubscribe("wx:oAcme", "transfer") == ["transfer"]
    assert service.unsubscribe("wx:oAcme", "transfer") == []
    assert service.topics_of("wx:oAcme") == ["high_tech"]
    assert service.unsubscribe("wx:oAcme") == ["high_tech"]
    assert service.topics_of("wx:oAcme") == []
    assert service.topics_of("eh:u42:abc") == ["projects"]  # someone else's stays


@pytest.mark.parametrize("session_id", ["eh-anon:xyz", "try:abc", "武汉星河科技有限公司",
                                        "wx:", "staff:张三", ""])
def test_only_verified_identities_subscribe(desk: Desk, session_id: str) -> None:
    with pytest.raises(NotVerified):
        desk.subscriptions.subscribe(session_id, "high_tech")
    with pytest.raises(NotVerified):
        desk.subscriptions.topics_of(session_id)


def test_unknown_topics_are_refused(desk: Desk) -> None:
    with pytest.raises(UnknownTopic):
        desk.subscriptions.subscribe("web:abc", "lottery")
    with pytest.raises(UnknownTopic):
        desk.subscriptions.set_document_topics(desk.draft(), ["lottery"], "管理员")


def test_a_publish_tells_the_subscribers_of_its_topics_and_nobody_else(desk: Desk) -> None:
    doc_id = desk.draft()
    desk.subscriptions.set_document_topics(doc_id, ["high_tech", "finance"], "管理员")
    desk.subscriptions.subscribe("wx:oAcme", "high_tech")
    desk.subscriptions.subscribe("wx:oAcme", "finance")  # two topics: still one notice
    desk.subscriptions.subscribe("web:beta", "finance")
    desk.subscriptions.subscribe("eh:u7:t", "transfer")  # another topic
    desk.subscriptions.subscribe("web:gone", "high_tech")
    desk.subscriptions.unsubscribe("web:gone")
    desk.publish(doc_id)
    notices = desk.notices()
    assert sorted(n.recipient_id for n in notices) == ["web:beta", "wx:oAcme"]
    acme = desk.notices("wx:oAcme")[0]
    assert acme.recipient_kind == "enterprise" and acme.ticket_id is None
    assert "高新技术企业奖励细则" in acme.text and "武科规〔2026〕9号" in acme.text
    assert "https://kjj.wuhan.gov.cn/zcfg/gaoqi.html" in acme.text and "退订高企认定" in acme.text
    assert "退订科技金融" in desk.notices("web:beta")[0].text


def test_each_publish_is_announced_once_and_restoring_tells_nobody(desk: Desk) -> None:
    doc_id = desk.draft()
    desk.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
    desk.subscriptions.subscribe("web:acme", "high_tech")
    desk.publish(doc_id)
    assert len(desk.notices("web:acme")) == 1
    # announcing the same publish again (a retry, another process) sends nothing more
    view = desk.library.get(doc_id)
    with desk.sessions.begin() as session:
        assert desk.subscriptions.announce(session, publish_of(view.document, 1)) == 0
    desk.library.restore(doc_id, 1, "管理员")  # a new version, but not news
    assert len(desk.notices("web:acme")) == 1
    document = view.document
    desk.library.update_metadata(doc_id, Metadata(
        document.kind, "高新技术企业奖励细则（修订）", document.issuer, document.source,
        document.doc_number), "编辑甲")
    desk.publish(doc_id)  # a revision published: news again
    texts = [n.text for n in desk.notices("web:acme")]
    assert len(texts) == 2 and "（修订）" in texts[1]


def test_a_faq_notice_carries_its_answer(desk: Desk) -> None:
    doc_id = desk.faq()
    desk.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
    desk.subscriptions.subscribe("eh:u1:tag", "high_tech")
    desk.publish(doc_id)
    (notice,) = desk.notices("eh:u1:tag")
    assert "高企认定的奖励什么时候发" in notice.text and "次年一季度兑现" in notice.text


def test_the_weekly_cap_holds_and_a_new_week_starts_again(desk: Desk) -> None:
    desk.subscriptions.subscribe("web:acme", "high_tech")
    for n in range(3):
        doc_id = desk.draft(f"policy-{n}", title=f"第{n + 1}份高企政策")
        desk.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
        desk.publish(doc_id)
    texts = [n.text for n in desk.notices("web:acme")]  # the cap is 2
    assert len(texts) == 2 and "第1份" in texts[0] and "第2份" in texts[1]
    desk.clock.advance(days=7)
    doc_id = desk.draft("policy-next-week", title="下周的高企政策")
    desk.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
    desk.publish(doc_id)
    assert "下周的高企政策" in desk.notices("web:acme")[-1].text
    assert len(desk.notices("web:acme")) == 3


def test_a_failing_announcement_rolls_the_publish_back(desk: Desk) -> None:
    doc_id = desk.draft()
    desk.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
    desk.subscriptions.subscribe("web:acme", "high_tech")
    desk.library.transition(doc_id, Move.SUBMIT, "编辑甲")

    def broken(*_args: object) -> None:
        raise RuntimeError("outbox down")

    desk.library.publish_hooks.append(broken)
    with pytest.raises(RuntimeError):
        desk.library.transition(doc_id, Move.PUBLISH, "管理员")
    assert desk.library.get(doc_id).live_version is None
    assert desk.notices() == [] and desk.deliveries() == []
