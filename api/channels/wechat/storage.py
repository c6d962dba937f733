"""wechatpy session storage shared between processes: the database by default, else Redis.

The API client keeps its access token here, so every process (and every client instance)
reuses one token until it expires instead of fetching its own.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.session import SessionStorage

from api.channels.wechat.models import WeChatKeyValue
from hotline.db import rowcount
from hotline.settings import WeChatConfig

log = logging.getLogger(__name__)
PREFIX = "dianxiaoer"
EXPIRY_MARGIN = 60  # seconds: a value is dropped this long before its ttl runs out


class DatabaseStorage(SessionStorage):  # type: ignore[misc]
    """JSON values with an optional time-to-live in the ``wechat_kv`` table."""

    def __init__(self, sessions: sessionmaker[Session], prefix: str = PREFIX) -> None:
        self._sessions = sessions
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key: str, default: Any = None) -> Any:
        with self._sessions() as session:
            row = session.get(WeChatKeyValue, self._name(key))
            if row is None or (row.expires_at is not None and row.expires_at <= time.time()):
                return default
            return json.loads(row.value)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        name, text = self._name(key), json.dumps(value, ensure_ascii=False)
        expires_at = int(time.time()) + max(int(ttl) - EXPIRY_MARGIN, 1) if ttl else None
        statement = (update(WeChatKeyValue).where(WeChatKeyValue.key == name)
                     .values(value=text, expires_at=expires_at))
        with self._sessions() as session:
            if rowcount(session.execute(statement)):
                session.commit()
                return
            session.add(WeChatKeyValue(key=name, value=text, expires_at=expires_at))
            try:
                session.commit()
            except IntegrityError:  # another process inserted it meanwhile: overwrite
                session.rollback()
                session.execute(statement)
                session.commit()

    def delete(self, key: str) -> None:
        with self._sessions() as session:
            session.execute(delete(WeChatKeyValue).where(WeChatKeyValue.key == self._name(key)))
            session.commit()


def make_storage(config: WeChatConfig, sessions: sessionmaker[Session]) -> SessionStorage:
    """Redis when ``WECHAT_REDIS_URL`` is set (and the ``redis`` package present), else the DB."""
    if config.REDIS_URL:
        try:
            import redis
            from wechatpy.session.redisstorage import RedisStorage

            return RedisStorage(redis.Redis.from_url(config.REDIS_URL), prefix=PREFIX)
        except ImportError:
            log.error("WECHAT_REDIS_URL is set but the redis package is not installed; "
                      "keeping WeChat access tokens in the database")
    return DatabaseStorage(sessions)
