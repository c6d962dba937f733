"""Policy notices on WeChat, by WeChat's rules (subscriptions, docs/subscriptions.md).

- Inside the 48-hour window after the user's last message (the allowance in
  :mod:`api.channels.wechat.quota`): a customer-service message (客服消息).
- Otherwise, when ``DXE_WECHAT_SUBSCRIBE_TEMPLATE_ID`` is set and the user accepted that
  template (WeChat's ``subscribe_msg_popup_event`` / ``subscribe_msg_change_event``, kept
  in the channel's storage): a 订阅通知 through ``message/subscribe/bizsend`` with the
  fields thing1 (标题), thing2 (文号), thing3 (主题) and the link as ``page``.
- Otherwise nothing is sent: the notice waits in the in-app inbox (already written).
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.messages import BaseMessage
from wechatpy.session import SessionStorage

from api.channels.wechat.formatting import split_text
from api.channels.wechat.quota import SendQuota

log = logging.getLogger(__name__)

CONSENT_EVENTS = {"subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
                  "subscribe_msg_change_event": "SubscribeMsgChangeEvent"}
REFUSED = 43101  # "user refuse to accept the msg": the consent is gone
TOKEN_ERRORS = {40001, 40014, 42001}
THING_LIMIT = 20  # characters of a "thing" field


def consents_in(message: BaseMessage) -> list[tuple[str, bool]]:
    """(template id, accepted) pairs a consent event carries (none for other messages)."""
    data = getattr(message, "_data", {}) or {}
    event = str(data.get("Event") or "").lower()
    if event not in CONSENT_EVENTS:
        return []
    block = data.get(CONSENT_EVENTS[event]) or {}
    items = block.get("List") if isinstance(block, dict) else None
    if isinstance(items, dict):
        items = [items]
    out: list[tuple[str, bool]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("TemplateId"):
            status = str(item.get("SubscribeStatusString") or "").lower()
            out.append((str(item["TemplateId"])[:128], status == "accept"))
    return out


class TemplateConsents:
    """Which 订阅通知 templates a user accepted, in the channel's shared storage."""

    def __init__(self, storage: SessionStorage) -> None:
        self._storage = storage

    @staticmethod
    def _key(openid: str, template_id: str) -> str:
        return f"consent:{openid}:{template_id}"

    def record(self, openid: str, template_id: str, accepted: bool) -> None:
        if accepted:
            self._storage.set(self._key(openid, template_id), True)
        else:
            self._storage.delete(self._key(openid, template_id))

    def accepted(self, openid: str, template_id: str) -> bool:
        return bool(self._storage.get(self._key(openid, template_id)))


def _thing(value: str) -> str:
    value = " ".join(value.split()) or "-"
    return value if len(value) <= THING_LIMIT else value[:THING_LIMIT - 1] + "…"


def bizsend_body(openid: str, template_id: str, notice: dict[str, Any]) -> dict[str, Any]:
    """The ``message/subscribe/bizsend`` request body for a policy notice."""
    body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": {
        "thing1": {"value": _thing(str(notice.get("title") or ""))},
        "thing2": {"value": _thing(str(notice.get("doc_number") or "") or "无文号")},
        "thing3": {"value": _thing(str(notice.get("topic") or ""))}}}
    if notice.get("link"):
        body["page"] = str(notice["link"])
    return body


def _bizsend(client: WeChatClient, body: dict[str, Any]) -> None:
    token = client.access_token
    try:
        client.post("message/subscribe/bizsend", data=body)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRORS:
            raise
        if client.session.get(client.access_token_key) == token:
            client.session.delete(client.access_token_key)
        client.post("message/subscribe/bizsend", data=body)


def send_notice(client: WeChatClient, quota: SendQuota, consents: TemplateConsents,
                template_id: str | None, openid: str, text: str,
                notice: dict[str, Any]) -> str:
    """Deliver one notice: ``kf`` (customer-service), ``bizsend`` (订阅通知), ``inbox``
    (neither allowed: nothing sent) or ``retry`` (WeChat unreachable)."""
    from api.channels.wechat.delivery import send_parts  # delivery imports this module

    parts = split_text(text)
    if parts and quota.remaining(openid) > 0 and send_parts(client, openid, parts, quota):
        return "kf"
    if not template_id or not consents.accepted(openid, template_id):
        return "inbox"
    try:
        _bizsend(client, bizsend_body(openid, template_id, notice))
    except WeChatClientException as exc:
        if exc.errcode == REFUSED:
            consents.record(openid, template_id, False)
            return "inbox"
        log.warning("WeChat refused a 订阅通知 to %s: %s", openid, exc)
        return "inbox"
    except requests.RequestException as exc:
        log.warning("WeChat API unreachable for a 订阅通知: %s", exc)
        return "retry"
    return "bizsend"
