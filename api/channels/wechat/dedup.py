"""WeChat retries a message up to three times: the first delivery claims it, retries replay.

The claim is a row insert keyed by MsgId (FromUserName+CreateTime for events), so it holds
across processes sharing the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.messages import BaseMessage

from api.channels.wechat.models import WeChatInbound
from hotline.db import rowcount

PENDING, REPLIED, DEFERRED = "pending", "replied", "deferred"
KEEP_SECONDS = 24 * 3600  # WeChat's retries come within seconds; a day is plenty


def dedup_key(message: BaseMessage) -> str:
    """``msg:<MsgId>`` for messages; ``evt:<FromUserName>:<CreateTime>:<Event>`` for events.

    The event's name is part of the key so that two different events of one second (a
    subscription, then a menu click) are not taken for a retry of each other.
    """
    if message.type == "event" or not message.id:
        event = str(getattr(message, "_data", {}).get("Event") or "")[:32]
        return f"evt:{message.source}:{message.time}:{event}"
    return f"msg:{message.id}"


@dataclass(frozen=True, slots=True)
class Claim:
    """Who handles a message (``owner``), and what happened to it so far."""

    owner: bool
    state: str
    reply: str | None = None


class InboundLog:
    """The table of inbound messages already seen."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim(self, key: str, openid: str) -> Claim:
        """Claim a message; a retry gets ``owner=False`` and the first delivery's state."""
        with self._sessions() as session:
            session.add(WeChatInbound(key=key, openid=openid, state=PENDING, reply=None,
                                      created_at=int(time.time())))
            try:
                session.commit()
                return Claim(True, PENDING)
            except IntegrityError:
                session.rollback()
        return self.get(key) or Claim(False, PENDING)

    def get(self, key: str) -> Claim | None:
        """The state of a claimed message (as seen by a retry)."""
        with self._sessions() as session:
            row = session.get(WeChatInbound, key)
            return Claim(False, row.state, row.reply) if row else None

    def replied(self, key: str, reply: str | None) -> None:
        """The first delivery was answered passively with ``reply`` (None: empty reply)."""
        self._set(key, REPLIED, reply)

    def deferred(self, key: str) -> None:
        """The answer goes out later through the customer-service API."""
        self._set(key, DEFERRED, None)

    def _set(self, key: str, state: str, reply: str | None) -> None:
        with self._sessions() as session:
            session.execute(update(WeChatInbound).where(WeChatInbound.key == key)
                            .values(state=state, reply=reply))
            session.commit()

    def prune(self, keep_seconds: int = KEEP_SECONDS) -> int:
        """Forget messages older than ``keep_seconds``; returns how many."""
        with self._sessions() as session:
            result = session.execute(delete(WeChatInbound).where(
                WeChatInbound.created_at < int(time.time()) - keep_seconds))
            session.commit()
            return rowcount(result)
