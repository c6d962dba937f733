"""Pluggable channel senders: how an enterprise is reached on the channel it asked from.

A sender is any object with ``notify(session_id, text) -> bool`` (e.g. the WeChat channel's
``WeChatNotifier``), registered under the channel name a ticket carries (``wechat``).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from hotline.notifications.errors import DeliveryError


class ChannelSender(Protocol):
    """Sends a text to a chat session; True when the channel accepted it."""

    def notify(self, session_id: str, text: str) -> bool: ...


class ChannelRegistry:
    """Channel name → sender; safe to register from the app's lifespan at any time."""

    def __init__(self) -> None:
        self._senders: dict[str, ChannelSender] = {}
        self._lock = threading.Lock()

    def register(self, channel: str, sender: ChannelSender) -> None:
        if not callable(getattr(sender, "notify", None)):
            raise TypeError("a channel sender needs a notify(session_id, text) -> bool method")
        with self._lock:
            self._senders[channel] = sender

    def unregister(self, channel: str) -> None:
        with self._lock:
            self._senders.pop(channel, None)

    def has(self, channel: str) -> bool:
        return channel in self._senders

    def send(self, channel: str, session_id: str, text: str,
             notice: dict[str, Any] | None = None) -> None:
        """Deliver through the channel's sender; raises :class:`DeliveryError` otherwise.
        A policy notice (``notice``: its title, 文号, link, topic) goes to the sender's
        ``notify_notice(session_id, text, notice)`` when it has one (WeChat: 客服消息 or
        订阅通知, by WeChat's rules), else to ``notify``."""
        sender = self._senders.get(channel)
        if sender is None:
            raise DeliveryError(f"no sender registered for channel {channel!r}")
        try:
            notify_notice = getattr(sender, "notify_notice", None)
            accepted = (notify_notice(session_id, text, notice)
                        if notice is not None and callable(notify_notice)
                        else sender.notify(session_id, text))
        except Exception as exc:  # a sender should not raise; treat it as a failure
            raise DeliveryError(f"channel {channel}: {type(exc).__name__}: {exc}") from exc
        if not accepted:
            raise DeliveryError(f"channel {channel} did not accept the message")
