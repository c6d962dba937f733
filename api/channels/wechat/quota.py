"""WeChat's allowance of customer-service messages per user, tracked so we never exceed it.

Since June 2023 a user's message allows 5 customer-service messages within 48 hours; a menu
click, a subscription or a QR scan allows 3 within one minute. A new interaction renews the
allowance (the larger count and the later deadline win). When WeChat still says 45047 (out of
response count limit) or 45015 (out of time limit), the allowance is set to zero.
"""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.channels.wechat.models import WeChatQuota
from hotline.db import rowcount

AFTER_MESSAGE = (5, 48 * 3600)  # (messages, seconds) after the user sends a message
AFTER_EVENT = (3, 60)  # after a menu click, a subscription or a scan


class SendQuota:
    """Per-user allowance in the ``wechat_quota`` table, shared by all processes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def grant(self, openid: str, allowance: tuple[int, int]) -> None:
        """The user interacted: renew their allowance."""
        count, seconds = allowance
        now = int(time.time())
        with self._sessions() as session:
            row = session.get(WeChatQuota, openid, with_for_update=True)
            if row is None:
                session.add(WeChatQuota(openid=openid, remaining=count, expires_at=now + seconds))
            elif row.expires_at <= now:
                row.remaining, row.expires_at = count, now + seconds
            else:
                row.remaining = max(row.remaining, count)
                row.expires_at = max(row.expires_at, now + seconds)
            try:
                session.commit()
            except IntegrityError:  # granted concurrently by another process: good enough
                session.rollback()

    def take(self, openid: str) -> bool:
        """Use one message of the allowance; False when none is left (or it has expired)."""
        with self._sessions() as session:
            result = session.execute(
                update(WeChatQuota)
                .where(WeChatQuota.openid == openid, WeChatQuota.remaining > 0,
                       WeChatQuota.expires_at > int(time.time()))
                .values(remaining=WeChatQuota.remaining - 1))
            session.commit()
            return rowcount(result) > 0

    def exhaust(self, openid: str) -> None:
        """WeChat refused for quota or time: send nothing more until the user writes again."""
        with self._sessions() as session:
            session.execute(update(WeChatQuota).where(WeChatQuota.openid == openid)
                            .values(remaining=0))
            session.commit()

    def remaining(self, openid: str) -> int:
        """Messages still allowed now."""
        with self._sessions() as session:
            row = session.get(WeChatQuota, openid)
            return row.remaining if row and row.expires_at > time.time() else 0
