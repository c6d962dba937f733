"""The policy table: which ticket steps reach whom (无事不扰), and what they are told."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hotline.notifications.policy import POLICY, Role, messages_for
from hotline.tickets.notify import TicketNotice
from hotline.tickets.service import HOTLINE_SUPERVISOR, SYSTEM_ACTOR, TRIAGE_QUEUE

BASE = TicketNotice(
    ticket_id="DXE20251103-ABC123", action="create", status="assigned", actor="店小二热线",
    owner="彭华魁", owner_role="liaison", previous_owner=None, session_id="web-abc123",
    channel="web", company="武汉星河科技有限公司", phone="13912345678", district="东湖高新区",
    leader="胡军", contact="彭华魁", question="高新技术企业认定的研发费用占比怎么算？",
    due_at=datetime(2025, 11, 6, 2, 0, tzinfo=UTC), note="")

ENTERPRISE = ("enterprise", "web-abc123")


def staff(name: str) -> tuple[str, str]:
    return ("staff", name)


def recipients(notice: TicketNotice) -> set[tuple[str, str]]:
    return {(m.recipient_kind, m.recipient_id) for m in messages_for(notice)}


CASES = {
    "create": (BASE, {staff("彭华魁"), ENTERPRISE}),
    "assign": (replace(BASE, action="assign", actor="王敏", owner="李静", owner_role="staff",
                       previous_owner=TRIAGE_QUEUE), {staff("李静"), ENTERPRISE}),
    "transfer": (replace(BASE, action="transfer", actor="王敏", owner="李静",
                         owner_role="staff", previous_owner="彭华魁", note="属于成果转化业务"),
                 {staff("李静"), staff("彭华魁")}),
    "contact": (replace(BASE, action="contact", status="contacted", actor="彭华魁",
                        previous_owner="彭华魁"), {ENTERPRISE}),
    "reply": (replace(BASE, action="reply", status="contacted", actor="王敏",
                      previous_owner="彭华魁", note="研发费用占比按近三个会计年度计算"),
              {staff("彭华魁"), ENTERPRISE}),
    "resolve": (replace(BASE, action="resolve", status="resolved", actor="彭华魁",
                        previous_owner="彭华魁", note="已电话说明计算口径"), {ENTERPRISE}),
    "reopen": (replace(BASE, action="reopen", status="reopened", actor="王敏",
                       previous_owner="彭华魁", note="企业反映仍未解决"), {staff("彭华魁")}),
    "escalate": (replace(BASE, action="escalate", status="escalated", actor=SYSTEM_ACTOR,
                         owner="胡军", owner_role="leader", previous_owner="彭华魁",
                         note="超过解决时限未办理，自动升级给责任领导督办"),
                 {staff("胡军"), staff("彭华魁"), ENTERPRISE}),
    "note": (replace(BASE, action="note", actor="王敏", previous_owner="彭华魁",
                     note="企业上午来电催办"), set()),
    "rate": (replace(BASE, action="rate", status="rated", actor="企业",
                     previous_owner="彭华魁", note="非常满意"), set()),
    "close": (replace(BASE, action="close", status="closed", actor="王敏",
                      previous_owner="彭华魁"), set()),
}


def test_every_action_of_the_life_cycle_has_a_row() -> None:
    from hotline.tickets.lifecycle import TRANSITIONS

    assert set(POLICY) == {"create", *TRANSITIONS} == set(CASES)


@pytest.mark.parametrize("action", sorted(CASES))
def test_who_hears_about_each_step(action: str) -> None:
    notice, expected = CASES[action]
    assert recipients(notice) == expected


@pytest.mark.parametrize("action", ["note", "rate", "close"])
def test_notes_ratings_and_closing_reach_nobody(action: str) -> None:
    assert POLICY[action] == frozenset()
    assert messages_for(CASES[action][0]) == []


def test_nobody_is_told_about_their_own_action() -> None:
    self_assigned = replace(BASE, action="assign", actor="李静", owner="李静",
                            owner_role="staff", previous_owner=TRIAGE_QUEUE)
    assert recipients(self_assigned) == {ENTERPRISE}
    handed_over_by_owner = replace(CASES["transfer"][0], actor="彭华魁")
    assert recipients(handed_over_by_owner) == {staff("李静")}


def test_the_triage_queue_is_not_a_person() -> None:
    queued = replace(BASE, owner=TRIAGE_QUEUE, owner_role="hotline", status="new",
                     district=None, leader=None, contact=None)
    messages = messages_for(queued)
    assert [(m.recipient_kind, m.role) for m in messages] == [("enterprise", Role.ENTERPRISE)]
    assert "热线工作人员" in messages[0].text
    # leaving the queue is the enterprise's first assignment: it hears who owns it now
    out_of_queue = replace(CASES["transfer"][0], previous_owner=TRIAGE_QUEUE)
    assert recipients(out_of_queue) == {staff("李静"), ENTERPRISE}


def test_escalation_without_a_district_leader_goes_to_the_supervisor() -> None:
    notice = replace(CASES["escalate"][0], owner=HOTLINE_SUPERVISOR, district=None,
                     leader=None, previous_owner=TRIAGE_QUEUE)
    assert recipients(notice) == {staff(HOTLINE_SUPERVISOR), ENTERPRISE}


def test_the_words() -> None:
    by_role = {m.role: m for m in messages_for(BASE)}
    owner, enterprise = by_role[Role.OWNER], by_role[Role.ENTERPRISE]
    assert "新工单" in owner.text and "13912345678" in owner.text
    assert "11月6日10:00前" in owner.text  # due date in Beijing time
    assert "东湖高新区包区联系人彭华魁" in enterprise.text and "11月6日10:00前" in enterprise.text
    assert "13912345678" not in enterprise.text

    resolved = messages_for(CASES["resolve"][0])[0]
    assert "已办结：已电话说明计算口径。请为本次服务评价" in resolved.text
    punctuated = messages_for(replace(CASES["resolve"][0], note="已电话说明计算口径。"))[0]
    assert punctuated.text == resolved.text  # no "。。"
    assert all(level in resolved.text
               for level in ("5 非常满意", "4 满意", "3 基本满意", "2 不满意", "1 非常不满意"))

    escalated = {m.recipient_id: m.text for m in messages_for(CASES["escalate"][0])}
    assert "已升级由您督办" in escalated["胡军"] and "原负责人彭华魁" in escalated["胡军"]
    assert "已升级由胡军督办" in escalated["彭华魁"]
    assert "督办" in escalated["web-abc123"]

    handover = {m.recipient_id: m.text for m in messages_for(CASES["transfer"][0])}
    assert "转给您" in handover["李静"] and "属于成果转化业务" in handover["李静"]
    assert "已由王敏转给李静" in handover["彭华魁"] and "无需再跟进" in handover["彭华魁"]

    for notice, _ in CASES.values():
        for message in messages_for(notice):
            assert notice.ticket_id in message.text
            assert re.search(r"[\u4e00-\u9fff]", message.title + message.text)
