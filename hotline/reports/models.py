"""Tables of the dashboard's daily rollups (migration 0012), kept by :mod:`hotline.reports.rollups`."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Date, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base


class DailyCount(Base):
    """One counter of one Beijing calendar day.

    ``metric`` says what is counted and what ``channel`` and ``label`` hold:

    ============== ========= ============================== =================================
    metric         channel   label                          counts
    ============== ========= ============================== =================================
    turns          channel   outcome                        logged messages
    conversations  channel   ``""``                         distinct sessions that day
    votes          ``""``    ``helpful`` / ``not_helpful``  answer votes (by their own day)
    ratings        channel   level ``"1"``–``"5"``          好差评
    problems       channel   ``declined`` / ``fallback``    turns the problem list shows
    ============== ========= ============================== =================================
    """

    __tablename__ = "daily_counts"

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class ConversationDay(Base):
    """A session seen on a day in a channel: the first turn of each counts a conversation."""

    __tablename__ = "conversation_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)


DAILY_COUNTS = cast(Table, DailyCount.__table__)
CONVERSATION_DAYS = cast(Table, ConversationDay.__table__)
