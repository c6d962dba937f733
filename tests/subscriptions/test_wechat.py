"""Policy notices on WeChat against the local fake of WeChat's API, through the real app,
its outbox and delivery worker: inside the 48-hour window a customer-service message;
outside it, with the 订阅通知 template accepted, ``message/subscribe/bizsend``; with neither,
nothing is sent and the notice waits in the in-app inbox."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.channels.wechat.models import WeChatQuota
from hotline.library.content import Metadata
from hotline.library.splitting import split_text
from hotline.notifications.models import Delivery, Notification
from hotline.subscriptions.service import Publish
from knowledge.models import DocKind
from tests.channels.wechat.support import (
    ACCOUNT,
    TOKEN,
    new_openid,
    post_xml,
    reply_content,
    text_xml,
)
from tests.fakes.wechat_api import FakeWeChatAPI

TEMPLATE = "tpl-" + secrets.token_hex(6)


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI(app_id="wx" + secrets.token_hex(8), app_secret=secrets.token_hex(16))
    with fake.running():
        fake.add_template(TEMPLATE)
        yield fake


@contextmanager
def wechat_app(monkeypatch: pytest.MonkeyPatch, runtime: Any, test_settings: Any,
               fake: FakeWeChatAPI) -> Iterator[TestClient]:
    """The app with the WeChat channel on (plaintext mode) and the 订阅通知 template set."""
    from api.main import create_app

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = test_settings.model_copy(update={
        "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": fake.app_id,
        "WECHAT_APP_SECRET": fake.app_secret, "WECHAT_API_BASE_URL": fake.base_url,
        "WECHAT_ENCODING_AES_KEY": None, "WECHAT_REDIS_URL": None,
        "WECHAT_SUBSCRIBE_TEMPLATE_ID": TEMPLATE})
    with TestClient(create_app(settings=settings, runtime=runtime)) as client:
        yield client


def consent_xml(openid: str, template: str, status: str,
                event: str = "subscribe_msg_popup_event") -> str:
    block = "SubscribeMsgPopupEvent" if event == "subscribe_msg_popup_event" else \
        "SubscribeMsgChangeEvent"
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><{block}><List>"
            f"<TemplateId><![CDATA[{template}]]></TemplateId>"
            f"<SubscribeStatusString><![CDATA[{status}]]></SubscribeStatusString>"
            f"<PopupScene>2</PopupScene></List></{block}></xml>")


def subscribe_in_chat(client: TestClient, openid: str) -> None:
    reply = post_xml(client, text_xml(openid, "订阅高企认定的政策"))
    assert "已为您订阅“高企认定”" in reply_content(reply.text), reply.text


def leave_the_window(runtime: Any, openid: str) -> None:
    """48 hours later: WeChat allows no customer-service message any more."""
    with runtime.sessions.begin() as session:
        session.execute(update(WeChatQuota).where(WeChatQuota.openid == openid)
                        .values(expires_at=int(time.time()) - 1))


def settled(runtime: Any, identity: str, timeout: float = 20.0) -> Delivery:
    """The channel delivery of the identity's policy notice, once the worker settled it."""
    end = time.monotonic() + timeout
    while True:
        with runtime.sessions() as session:
            delivery = session.scalar(
                select(Delivery).join(Notification, Notification.id == Delivery.notification_id)
                .where(Notification.recipient_id == identity,
                       Notification.event == "subscription", Delivery.transport == "channel"))
            if delivery is not None and delivery.status != "pending":
                found: Delivery = delivery
                return found
        assert time.monotonic() < end, f"no settled delivery for {identity}"
        runtime.notifications.worker.wake()
        time.sleep(0.1)


def test_the_three_wechat_routes(monkeypatch: pytest.MonkeyPatch, runtime: Any,
                                 test_settings: Any, fake_api: FakeWeChatAPI) -> None:
    in_window, accepted, neither = new_openid(), new_openid(), new_openid()
    doc_id = f"policy-wx-{secrets.token_hex(4)}"
    runtime.library.create(Metadata(DocKind.POLICY, "关于开展2026年度高新技术企业认定工作的通知",
                                    "武汉市科学技术局", "https://kjj.wuhan.gov.cn/tz/2026.html",
                                    "武科发〔2026〕3号"),
                           split_text(doc_id, "第一条 申报时间为3月至5月。\n"), "编辑甲", doc_id)
    runtime.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
    with wechat_app(monkeypatch, runtime, test_settings, fake_api) as client:
        for openid in (in_window, accepted, neither):
            subscribe_in_chat(client, openid)
        fake_api.accept_template(accepted, TEMPLATE)  # WeChat's popup, then its event
        post_xml(client, consent_xml(accepted, TEMPLATE, "accept"))
        post_xml(client, consent_xml(neither, TEMPLATE, "reject"))
        consents = client.app.state.wechat.consents  # type: ignore[attr-defined]
        assert consents.accepted(accepted, TEMPLATE)
        assert not consents.accepted(neither, TEMPLATE)
        leave_the_window(runtime, accepted)
        leave_the_window(runtime, neither)
        sent_before = len(fake_api.sent)
        with runtime.sessions.begin() as session:
            # (subscribers other tests of the shared runtime left are told too)
            assert runtime.subscriptions.announce(session, Publish(
                doc_id, 1, "policy", "关于开展2026年度高新技术企业认定工作的通知",
                "武科发〔2026〕3号", "https://kjj.wuhan.gov.cn/tz/2026.html")) >= 3
        for openid in (in_window, accepted, neither):
            assert settled(runtime, f"wx:{openid}").status == "sent"

    (kf,) = fake_api.sent_to(in_window)  # the subscription itself was a passive reply
    assert kf.startswith("【政策订阅·高企认定】") and "武科发〔2026〕3号" in kf
    assert [b for b in fake_api.subscribe_sent if b["touser"] == in_window] == []

    assert fake_api.sent_to(accepted) == []  # out of the window: no customer-service
    (notice,) = [b for b in fake_api.subscribe_sent if b["touser"] == accepted]
    assert notice["template_id"] == TEMPLATE
    assert notice["page"] == "https://kjj.wuhan.gov.cn/tz/2026.html"
    assert notice["data"]["thing2"]["value"] == "武科发〔2026〕3号"
    assert notice["data"]["thing3"]["value"] == "高企认定"
    assert len(notice["data"]["thing1"]["value"]) <= 20

    assert fake_api.sent_to(neither) == []
    assert [b for b in fake_api.subscribe_sent if b["touser"] == neither] == []
    assert len(fake_api.sent) == sent_before + 1  # the one customer-service notice
    for openid in (in_window, accepted, neither):  # the inbox holds every notice
        items, _unread = runtime.notifications.inbox.list("enterprise", f"wx:{openid}")
        assert [i.event for i in items] == ["subscription"]


def test_a_withdrawn_consent_falls_back_to_the_inbox_and_is_forgotten(
        runtime: Any, fake_api: FakeWeChatAPI) -> None:
    from api.channels.wechat.client import WeChatApiClient
    from api.channels.wechat.notices import TemplateConsents, send_notice
    from api.channels.wechat.quota import SendQuota
    from api.channels.wechat.storage import DatabaseStorage

    storage = DatabaseStorage(runtime.sessions, prefix=f"t{secrets.token_hex(3)}")
    client = WeChatApiClient(fake_api.app_id, fake_api.app_secret,
                             api_base_url=fake_api.base_url, session=storage, timeout=5)
    consents, openid = TemplateConsents(storage), new_openid()
    notice = {"title": "新政策", "doc_number": "", "topic": "科技金融", "link": ""}
    consents.record(openid, TEMPLATE, True)  # we think so; WeChat says 43101
    route = send_notice(client, SendQuota(runtime.sessions), consents, TEMPLATE, openid,
                        "【政策订阅·科技金融】…", notice)
    assert route == "inbox" and not consents.accepted(openid, TEMPLATE)
    fake_api.accept_template(openid, TEMPLATE)
    consents.record(openid, TEMPLATE, True)
    assert send_notice(client, SendQuota(runtime.sessions), consents, TEMPLATE, openid,
                       "【政策订阅·科技金融】…", notice) == "bizsend"
    (body,) = fake_api.subscribe_sent
    assert body["data"]["thing2"]["value"] == "无文号" and "page" not in body
    assert fake_api.sent == []
