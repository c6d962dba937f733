"""The channel's tables (on ``hotline.db.Base``): inbound dedup, key-value store, send quota.

Times are integer epoch seconds, so every database compares them the same way.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base


class WeChatInbound(Base):
    """One inbound message or event, claimed once: what WeChat's retries get back."""

    __tablename__ = "wechat_inbound"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # msg:<MsgId> | evt:…
    openid: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))  # pending | replied | deferred
    reply: Mapped[str | None] = mapped_column(Text)  # the passive reply's text, for retries
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)


class WeChatKeyValue(Base):
    """Shared small values with an expiry: access tokens, numbered options offered to a user."""

    __tablename__ = "wechat_kv"

    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)


class WeChatQuota(Base):
    """Customer-service messages WeChat still allows to one user, and until when."""

    __tablename__ = "wechat_quota"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(BigInteger)
