"""Record each turn, so unanswered and declined questions can be reviewed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.models import ChatTurn
from hotline.db import read_sessions, retry_locked


class ConversationLog:
    """Writes :class:`ChatTurn` rows and reads them back (on the read path)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)

    @retry_locked
    def record(self, *, session_id: str, channel: str, text: str, intent: str | None,
               outcome: str, confidence: float | None, top_doc_id: str | None,
               top_section: str | None) -> int:
        """Store one turn and return its id.

        A turn is never dropped silently: the log is the degraded handoff's state between
        turns (``handoff_pending``), its id is what the helpful / not-helpful vote and the
        conversation's rating refer to, and the problem list is built from it. So a write
        that meets a lock is retried, and when it still fails this raises
        :class:`hotline.db.DatabaseBusy`, which fails the turn with a 503 (系统繁忙，请稍后再试)
        instead of answering with a turn that was never stored.
        """
        with self._sessions.begin() as session:
            turn = ChatTurn(session_id=session_id, channel=channel, text=text,
                            intent=intent, outcome=outcome, confidence=confidence,
                            top_doc_id=top_doc_id, top_section=top_section)
            session.add(turn)
            session.flush()
            return turn.id

    def recent(self, session_id: str, limit: int = 8) -> list[ChatTurn]:
        """The session's latest turns, oldest first."""
        with self._reads() as session:
            rows = session.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id)
                                   .order_by(ChatTurn.id.desc()).limit(limit)).all()
        return list(reversed(rows))

    def before(self, session_id: str, until: datetime, limit: int = 10) -> list[ChatTurn]:
        """The session's latest turns logged up to ``until``, oldest first."""
        with self._reads() as session:
            rows = session.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id,
                                                          ChatTurn.created_at <= until)
                                   .order_by(ChatTurn.id.desc()).limit(limit)).all()
        return list(reversed(rows))
