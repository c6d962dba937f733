"""The channel: one inbound message → at most one answer, within WeChat's 5 seconds or later."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from wechatpy.messages import BaseMessage

from api.channels.wechat.client import WeChatApiClient
from api.channels.wechat.dedup import PENDING, REPLIED, Claim, InboundLog, dedup_key
from api.channels.wechat.delivery import SESSION_PREFIX, send_parts
from api.channels.wechat.formatting import format_response, split_text
from api.channels.wechat.intake import interpret
from api.channels.wechat.notices import TemplateConsents, consents_in
from api.channels.wechat.quota import SendQuota
from api.channels.wechat.security import MessageCipher
from api.channels.wechat.storage import make_storage
from api.schemas import MAX_TEXT_CHARS, ChatRequest
from hotline.security.throttle import Throttle
from hotline.settings import WeChatConfig

log = logging.getLogger(__name__)

BUSY = "抱歉，系统有点忙，请稍后再发一次。"
TOO_LONG = f"消息有点长，请精简到{MAX_TEXT_CHARS}字以内再发给我。"
NOT_UNDERSTOOD = "抱歉，这条消息我没法处理，请换个说法再发一次。"
TOO_FAST = "您发得有点快，请稍等一会儿再发，我一条一条帮您看。"
OPTIONS_TTL = 24 * 3600  # numbered options stay valid this long
PRUNE_EVERY = 3600.0
RETRY_POLL = 0.1
REST_DELAY = 1.0  # the rest of a long answer follows the passive reply after this


class WeChatChannel:
    """Holds the channel's configuration and stores, and the answers still being delivered."""

    def __init__(self, config: WeChatConfig, sessions: sessionmaker[Session],
                 throttle: Throttle | None = None) -> None:
        assert config.TOKEN, "the channel needs WECHAT_TOKEN"
        self.config = config
        self.throttle = throttle or Throttle(enabled=False)  # per OpenID (wechat.user)
        self.token: str = config.TOKEN
        self.cipher = (MessageCipher(config.TOKEN, config.ENCODING_AES_KEY, config.APP_ID)
                       if config.ENCODING_AES_KEY and config.APP_ID else None)
        self.inbound = InboundLog(sessions)
        self.quota = SendQuota(sessions)
        self.storage = make_storage(config, sessions)
        self.consents = TemplateConsents(self.storage)  # 订阅通知 templates users accepted
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pruned_at: float | None = None

    @property
    def can_deliver(self) -> bool:
        """Whether messages can be sent outside a passive reply (app id and secret set)."""
        return self.config.can_call_api

    def new_client(self) -> WeChatApiClient:
        """A wechatpy client sharing this channel's token storage."""
        assert self.config.APP_ID and self.config.APP_SECRET
        return WeChatApiClient(self.config.APP_ID, self.config.APP_SECRET,
                               api_base_url=self.config.API_BASE_URL, session=self.storage,
                               timeout=self.config.HTTP_TIMEOUT_SECONDS)

    async def respond(self, chat: Any, message: BaseMessage, started: float) -> str | None:
        """The passive reply's text, or None for an empty reply (``success``).

        ``started`` is the request's ``time.monotonic()``; the reply is due by
        ``WECHAT_REPLY_TIMEOUT_SECONDS`` after it, else the answer is delivered later.
        """
        deadline = started + self.config.REPLY_TIMEOUT_SECONDS
        self._prune_now_and_then()
        key = dedup_key(message)
        claim = await run_in_threadpool(self.inbound.claim, key, message.source)
        if not claim.owner:
            return await self._replay(key, claim, deadline)
        intake = interpret(message)
        for template_id, accepted in consents_in(message):
            await run_in_threadpool(self.consents.record, message.source, template_id, accepted)
        if intake.allowance:
            await run_in_threadpool(self.quota.grant, message.source, intake.allowance)
        if intake.text is None:
            await run_in_threadpool(self.inbound.replied, key, intake.reply)
            return intake.reply
        job = asyncio.create_task(self._answer(chat, message.source, intake.text))
        try:
            parts = await asyncio.wait_for(asyncio.shield(job),
                                           timeout=max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            if self.can_deliver:
                await run_in_threadpool(self.inbound.deferred, key)
                self._spawn(self._deliver_later(job, message.source))
                return None
            self._tasks.add(job)  # it still records the turn; nothing can deliver it
            job.add_done_callback(self._tasks.discard)
            await run_in_threadpool(self.inbound.replied, key, BUSY)
            return BUSY
        await run_in_threadpool(self.inbound.replied, key, parts[0])
        if len(parts) > 1 and self.can_deliver:
            self._spawn(self._deliver(message.source, parts[1:], delay=REST_DELAY))
        return parts[0]

    async def _replay(self, key: str, claim: Claim, deadline: float) -> str | None:
        """A retry: the first delivery's reply, never a second answer."""
        while claim.state == PENDING and time.monotonic() < deadline:
            await asyncio.sleep(RETRY_POLL)
            latest = await run_in_threadpool(self.inbound.get, key)
            claim = latest or claim
        return claim.reply if claim.state == REPLIED else None

    async def _answer(self, chat: Any, openid: str, text: str) -> list[str]:
        """The dialogue's answer as WeChat messages; never raises."""
        options_key = f"options:{openid}"
        try:
            options = await run_in_threadpool(self.storage.get, options_key) or {}
            text = options.get(text, text)  # "1" → the payload of option 1
            if len(text) > MAX_TEXT_CHARS:
                return [TOO_LONG]
            # per user: WeChat's servers relay everybody, so an address means nothing
            if not self.throttle.allows("wechat.user", openid):
                return [TOO_FAST]
            try:
                request = ChatRequest(session_id=SESSION_PREFIX + openid, text=text,
                                      channel="wechat")
            except ValidationError:
                return [NOT_UNDERSTOOD]
            formatted = format_response(await chat.handle(request))
            if formatted.options:
                await run_in_threadpool(self.storage.set, options_key, formatted.options,
                                        OPTIONS_TTL)
            elif options:
                await run_in_threadpool(self.storage.delete, options_key)
            return split_text(formatted.text) or [NOT_UNDERSTOOD]
        except Exception:
            log.exception("WeChat message from %s could not be answered", openid)
            return [BUSY]

    async def _deliver_later(self, job: asyncio.Task[list[str]], openid: str) -> None:
        await self._deliver(openid, await job)

    async def _deliver(self, openid: str, parts: list[str], delay: float = 0.0) -> None:
        await asyncio.sleep(delay)  # let the passive reply arrive first
        try:
            await run_in_threadpool(send_parts, self.new_client(), openid, parts, self.quota)
        except Exception:
            log.exception("customer-service delivery to %s failed", openid)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _prune_now_and_then(self) -> None:
        if self._pruned_at is not None and time.monotonic() - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()

        async def prune() -> None:
            try:
                await run_in_threadpool(self.inbound.prune)
            except Exception:
                log.exception("pruning wechat_inbound failed")

        self._spawn(prune())

    async def drain(self, timeout: float = 10.0) -> None:
        """Let pending deliveries finish (up to ``timeout``), then cancel the rest."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
