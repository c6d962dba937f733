"""Messages sent outside a passive reply: through the customer-service API (客服消息).

Used for answers that missed the 5-second window, for the rest of a long answer, and for
ticket status changes. Each part uses one message of the user's allowance
(:mod:`api.channels.wechat.quota`); an invalid or expired access token is refreshed once.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from starlette.concurrency import run_in_threadpool
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from api.channels.wechat.formatting import split_text
from api.channels.wechat.notices import send_notice
from api.channels.wechat.parsing import OPENID
from api.channels.wechat.quota import SendQuota

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
QUOTA_ERRORS = {45047, 45015}  # out of response count limit, out of time / unsubscribed
SESSION_PREFIX = "wx:"


def _send_one(client: WeChatClient, openid: str, text: str) -> None:
    """One text message; on a token error drop that token (if still stored) and retry once."""
    token = client.access_token
    try:
        client.message.send_text(openid, text)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRORS:
            raise
        log.info("WeChat access token refused (%s), fetching a new one", exc.errcode)
        if client.session.get(client.access_token_key) == token:
            client.session.delete(client.access_token_key)
        client.message.send_text(openid, text)


def send_parts(client: WeChatClient, openid: str, parts: list[str],
               quota: SendQuota | None) -> bool:
    """Send each part in order; stop (False) at the first one WeChat does not take."""
    for part in parts:
        if quota is not None and not quota.take(openid):
            log.info("no customer-service allowance left for %s; message not sent", openid)
            return False
        try:
            _send_one(client, openid, part)
        except WeChatClientException as exc:
            if exc.errcode in QUOTA_ERRORS and quota is not None:
                quota.exhaust(openid)
            log.warning("WeChat refused a customer-service message to %s: %s", openid, exc)
            return False
        except requests.RequestException as exc:
            log.warning("WeChat API unreachable: %s", exc)
            return False
    return True


def deliver_text(target: Any, openid: str, text: str) -> bool:
    """Blocking delivery to ``openid``; ``target`` is ``app.state``, the channel or a client.

    With a bare wechatpy client no allowance is tracked. Never call on the event loop.
    """
    parts = split_text(text)
    if not parts or not OPENID.match(openid):
        return False
    if isinstance(target, WeChatClient):
        return send_parts(target, openid, parts, None)
    channel = getattr(target, "wechat", target)  # app.state carries the channel as .wechat
    if channel is None or not getattr(channel, "can_deliver", False):
        log.info("WeChat channel off or without app id/secret; message to %s not sent", openid)
        return False
    return send_parts(channel.new_client(), openid, parts, channel.quota)


async def send_wechat_text(app_state_or_client: Any, openid: str, text: str) -> bool:
    """Send ``text`` (split if long) to a WeChat user; True when every part was accepted."""
    return await run_in_threadpool(deliver_text, app_state_or_client, openid, text)


class WeChatNotifier:
    """For the ticket notifier: tell a ``wx:<openid>`` session about its ticket.

    ``notify`` blocks on the database and WeChat's API (call it from a worker thread) and
    never raises. It returns False for other channels' sessions, when the channel is off, and
    when WeChat allows no message now (the user has not interacted recently).
    """

    def __init__(self, app_state_or_channel: Any, template_id: str | None = None) -> None:
        self._target = app_state_or_channel
        self.template_id = template_id or None  # the 订阅通知 template for policy notices

    def notify(self, session_id: str, text: str) -> bool:
        if not session_id.startswith(SESSION_PREFIX):
            return False
        try:
            return deliver_text(self._target, session_id.removeprefix(SESSION_PREFIX), text)
        except Exception:  # a notifier must never break the ticket service
            log.exception("WeChat notification for %s failed", session_id)
            return False

    def notify_notice(self, session_id: str, text: str, notice: dict[str, Any]) -> bool:
        """A policy notice by WeChat's rules (:mod:`api.channels.wechat.notices`): True when
        it was sent or may only wait in the inbox, False to retry later."""
        if not session_id.startswith(SESSION_PREFIX):
            return True  # not a WeChat user: the inbox holds it
        openid = session_id.removeprefix(SESSION_PREFIX)
        channel = getattr(self._target, "wechat", self._target)
        if channel is None or not getattr(channel, "can_deliver", False) or \
                not OPENID.match(openid):
            return True
        try:
            route = send_notice(channel.new_client(), channel.quota, channel.consents,
                                self.template_id, openid, text, notice)
        except Exception:  # a notifier must never break the worker
            log.exception("WeChat policy notice for %s failed", session_id)
            return False
        log.info("policy notice to %s: %s", session_id, route)
        return route != "retry"
