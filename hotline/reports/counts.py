"""The counts a period's dashboard is drawn from, read two ways with the same result:
from the daily rollups (:func:`rollup_counts`, O(days) rows: what the app uses) or by
scanning every turn, vote and rating of the period (:func:`scan_counts`, O(rows): the
reference the rollups are checked against, and the benchmark's "before")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.conversations.models import ChatTurn
from hotline.reports.models import DailyCount
from hotline.reports.period import Period, beijing_day
from hotline.tickets.models import AnswerVote, Rating


@dataclass(slots=True)
class PeriodCounts:
    """What happened on each day of a period (Beijing days)."""

    turns: Counter[tuple[date, str, str]] = field(default_factory=Counter)  # day, channel, outcome
    conversations: Counter[tuple[date, str]] = field(default_factory=Counter)  # day, channel
    votes: Counter[tuple[date, bool]] = field(default_factory=Counter)  # day, helpful
    ratings: Counter[int] = field(default_factory=Counter)  # level, over the whole period


class CountSource(Protocol):
    """Reads a period's counts in a session."""

    def __call__(self, session: Session, period: Period) -> PeriodCounts: ...


def rollup_counts(session: Session, period: Period) -> PeriodCounts:
    """The period's counts from ``daily_counts``: a few rows per day, whatever the traffic."""
    counts = PeriodCounts()
    rows = session.execute(select(DailyCount.metric, DailyCount.day, DailyCount.channel,
                                  DailyCount.label, DailyCount.value).where(
        DailyCount.day >= period.start, DailyCount.day <= period.end,
        DailyCount.metric.in_(("turns", "conversations", "votes", "ratings"))))
    for metric, day, channel, label, value in rows:
        if not value:
            continue  # a counter taken back to zero (a changed vote)
        if metric == "turns":
            counts.turns[(day, channel, label)] += value
        elif metric == "conversations":
            counts.conversations[(day, channel)] += value
        elif metric == "votes":
            counts.votes[(day, label == "helpful")] += value
        else:
            counts.ratings[int(label)] += value
    return counts


def scan_counts(session: Session, period: Period) -> PeriodCounts:
    """The period's counts from every row of it (the dashboard's computation before 0012)."""
    first, after = period.bounds()
    counts = PeriodCounts()
    sessions: set[tuple[date, str, str]] = set()
    for turn in session.scalars(select(ChatTurn).where(
            ChatTurn.created_at >= first, ChatTurn.created_at < after)):
        day = beijing_day(turn.created_at)
        counts.turns[(day, turn.channel, turn.outcome)] += 1
        sessions.add((day, turn.channel, turn.session_id))
    counts.conversations.update((day, channel) for day, channel, _session in sessions)
    for vote in session.scalars(select(AnswerVote).where(
            AnswerVote.created_at >= first, AnswerVote.created_at < after)):
        counts.votes[(beijing_day(vote.created_at), vote.helpful)] += 1
    counts.ratings.update(rating.level for rating in session.scalars(select(Rating).where(
        Rating.created_at >= first, Rating.created_at < after)))
    return counts
