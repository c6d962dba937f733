"""The WeChat Official Account channel (公众号): ``/wechat``, built on wechatpy.

Wiring: :func:`start` in the app's lifespan sets ``app.state.wechat`` (None when
``WECHAT_TOKEN`` is unset, and ``/wechat`` answers 404); :func:`stop` lets pending deliveries
finish. The ticket notifier uses :class:`WeChatNotifier` or :func:`send_wechat_text`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from pydantic import ValidationError

from api.channels.wechat.channel import WeChatChannel
from api.channels.wechat.delivery import WeChatNotifier, send_wechat_text
from api.channels.wechat.route import router
from hotline.settings import Settings, WeChatConfig

log = logging.getLogger(__name__)

__all__ = ["WeChatChannel", "WeChatConfig", "WeChatNotifier", "router", "send_wechat_text",
           "start", "stop"]


def start(app: FastAPI, settings: Settings) -> WeChatChannel | None:
    """Open the channel on ``app.state.wechat`` if ``settings`` configure it (else None:
    ``/wechat`` is 404)."""
    app.state.wechat = None
    try:
        config = settings.wechat()
    except ValidationError as exc:  # a broken WeChat setting must not take the web chat down
        log.error("WeChat channel off, its configuration is invalid: %s", exc)
        return None
    if not config.enabled:
        return None
    runtime = app.state.runtime
    app.state.wechat = WeChatChannel(config, runtime.sessions, runtime.throttle)
    log.info("WeChat channel on (%s mode)", "safe" if config.safe_mode else "plaintext")
    return app.state.wechat  # type: ignore[no-any-return]


async def stop(app: FastAPI) -> None:
    """Let the answers still being delivered finish."""
    channel = getattr(app.state, "wechat", None)
    if channel is not None:
        await channel.drain()
