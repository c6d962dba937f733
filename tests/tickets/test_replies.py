"""A written reply to the enterprise: a step of the life cycle, told to the enterprise (and
the owner, when someone else wrote it), and audited with the other staff steps."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.audit.log import AuditLog
from hotline.audit.tickets import AuditedNotifier
from hotline.notifications.policy import messages_for
from hotline.tickets.deadlines import DeadlinePolicy
from hotline.tickets.lifecycle import TransitionError, allowed_actions
from hotline.tickets.service import HOTLINE_OWNER, NewTicket, TicketService, notice_of
from tests.tickets.conftest import Recorder

REPLY = "您好，高企认定的材料可以在网上提交，退回后请按审核意见补正。"


def new(district: str | None = "光谷") -> NewTicket:
    return NewTicket(session_id="web:reply-1", channel="web", question="高企认定材料被退回了",
                     company="武汉星河科技有限公司", phone="13912345678", district=district)


def test_a_reply_contacts_the_enterprise_and_keeps_later_statuses(
        tickets: TicketService, recorder: Recorder) -> None:
    ticket = tickets.open(new())
    assert "reply" in allowed_actions(ticket.status)
    replied = tickets.act(ticket.id, "reply", "王坐席", note=REPLY)
    assert replied.status == "contacted" and replied.contacted_at is not None
    assert (replied.events[-1].action, replied.events[-1].note) == ("reply", REPLY)
    assert recorder.notices[-1].action == "reply" and recorder.notices[-1].from_status == "assigned"
    again = tickets.act(ticket.id, "reply", "王坐席", note="补充：材料清单见附件说明。")
    assert again.status == "contacted" and again.contacted_at == replied.contacted_at
    resolved = tickets.act(ticket.id, "resolve", "王坐席", resolution="已答复")
    assert "reply" not in allowed_actions(resolved.status)  # the resolution was the answer


def test_a_reply_needs_text_and_an_assigned_open_ticket(tickets: TicketService) -> None:
    assigned = tickets.open(new())
    with pytest.raises(TransitionError, match="回复内容不能为空"):
        tickets.act(assigned.id, "reply", "王坐席", note="   ")
    triage = tickets.open(new(None))
    assert "reply" not in allowed_actions(triage.status)
    with pytest.raises(TransitionError):
        tickets.act(triage.id, "reply", "王坐席", note=REPLY)  # take it first
    tickets.act(assigned.id, "resolve", "王坐席", resolution="已答复")
    with pytest.raises(TransitionError):
        tickets.act(assigned.id, "reply", "王坐席", note=REPLY)


def test_the_enterprise_reads_the_reply_and_the_owner_hears_of_it(
        tickets: TicketService) -> None:
    ticket = tickets.open(new())  # owned by 东湖高新区's liaison 彭华魁
    replied = tickets.act(ticket.id, "reply", "王坐席", note=REPLY)
    messages = {m.recipient_kind: m for m in messages_for(notice_of(replied, replied.events[-1]))}
    enterprise = messages["enterprise"]
    assert enterprise.recipient_id == "web:reply-1" and REPLY in enterprise.text
    assert ticket.id in enterprise.text and "热线工作人员" in enterprise.text
    assert messages["staff"].recipient_id == "彭华魁" and "王坐席" in messages["staff"].text
    own = tickets.act(ticket.id, "reply", "彭华魁", note="我是包区联系人，明天上门。")
    by_owner = messages_for(notice_of(own, own.events[-1]))
    assert [m.recipient_kind for m in by_owner] == ["enterprise"]  # nobody hears of their own
    assert "东湖高新区包区联系人彭华魁" in by_owner[0].text


def test_staff_steps_are_audited_in_their_transaction(db, knowledge, clock) -> None:  # type: ignore[no-untyped-def]
    sessions, _url = db
    recorder = Recorder()
    tickets = TicketService(sessions, lambda: knowledge.directory,
                            AuditedNotifier(recorder, frozenset({HOTLINE_OWNER})),
                            DeadlinePolicy.from_config(), clock=clock)
    from_chat = tickets.open(new())
    by_phone = tickets.open(NewTicket(session_id="call:x", channel="phone", question="补助进度",
                                      company=None, phone="13912345678", district="江夏",
                                      first_owner="王坐席"))
    tickets.act(from_chat.id, "reply", "王坐席", note=REPLY)
    tickets.act(from_chat.id, "resolve", "王坐席", resolution="已答复企业")
    tickets.escalate_overdue()  # nothing is overdue yet; the system's steps are not audited
    entries = AuditLog(sessions).entries("ticket")
    assert [(e.action, e.subject_id, e.actor) for e in reversed(entries)] == [
        ("ticket.create", by_phone.id, "王坐席"), ("ticket.reply", from_chat.id, "王坐席"),
        ("ticket.resolve", from_chat.id, "王坐席")]
    reply = entries[1]
    assert reply.before == {"status": "assigned", "owner": "彭华魁"}
    assert reply.after == {"status": "contacted", "owner": "彭华魁", "note": REPLY}
    assert isinstance(reply.at, datetime)
    assert len(recorder.notices) == 4  # every step still notified
