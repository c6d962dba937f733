"""Chat turns per outcome in a recent window, for monitoring (bounded by the time index)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.models import ChatTurn


def turns_since(reads: sessionmaker[Session], since: datetime) -> dict[str, int]:
    """Outcome → number of turns logged at or after ``since`` (every replica's turns)."""
    with reads() as session:
        rows = session.execute(select(ChatTurn.outcome, func.count())
                               .where(ChatTurn.created_at >= since)
                               .group_by(ChatTurn.outcome)).all()
    return {str(outcome): int(count) for outcome, count in rows}
