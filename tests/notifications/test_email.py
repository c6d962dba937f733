"""E-mail through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from tests.notifications.conftest import Stack, question
from tests.notifications.helpers import MailSink, free_port


@pytest.fixture
def smtp() -> Iterator[tuple[MailSink, int]]:
    sink, port = MailSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def parsed(envelope) -> EmailMessage:  # type: ignore[no-untyped-def]
    return email.message_from_bytes(envelope.original_content, policy=default)


def test_the_liaison_gets_a_chinese_e_mail(make_stack: Callable[..., Stack],
                                           smtp: tuple[MailSink, int]) -> None:
    sink, port = smtp
    stack = make_stack(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SENDER="dxe@kjj.wuhan.test",
                       NOTIFY_EMAILS={"彭华魁": "phk@kjj.wuhan.test", "胡军": "hj@kjj.wuhan.test"})
    ticket = stack.tickets.open(question())
    stack.tickets.act(ticket.id, "contact", "彭华魁")  # tells the enterprise only: no e-mail
    stack.notifications.worker.run_once()

    assert len(sink.envelopes) == 1
    envelope = sink.envelopes[0]
    assert envelope.mail_from == "dxe@kjj.wuhan.test"
    assert envelope.rcpt_tos == ["phk@kjj.wuhan.test"]
    message = parsed(envelope)
    assert message["To"] == "phk@kjj.wuhan.test"
    assert message["Subject"] == f"【店小二】新工单待办：工单 {ticket.id}"
    body = message.get_content()
    assert body.startswith("彭华魁：")
    assert "高新技术企业认定的研发费用占比怎么算" in body and "13912345678" in body
    assert "武汉市科技局" in body
    counts = stack.notifications.outbox.counts()
    assert counts == {"pending": 0, "sent": 1, "failed": 0}  # enterprises are not e-mailed


def test_staff_without_an_address_get_no_e_mail_and_a_down_server_is_retried(
        make_stack: Callable[..., Stack]) -> None:
    port = free_port()
    stack = make_stack(SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                       NOTIFY_EMAILS={"李静": "lj@kjj.wuhan.test"})
    ticket = stack.tickets.open(question())  # 彭华魁 has no address
    assert stack.notifications.outbox.counts()["pending"] == 0
    stack.tickets.act(ticket.id, "transfer", "王敏", to_owner="李静", note="属于成果转化业务")
    stack.notifications.worker.run_once()  # nothing listens on the port yet
    (row,) = stack.notifications.outbox.deliveries()
    assert (row.transport, row.status, row.attempts) == ("email", "pending", 1)

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        stack.clock.advance(minutes=1)
        stack.notifications.worker.run_once()
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in sink.envelopes] == [["lj@kjj.wuhan.test"]]
    message = parsed(sink.envelopes[0])
    assert message["Subject"] == f"【店小二】工单转给您：工单 {ticket.id}"
    assert "属于成果转化业务" in message.get_content()
