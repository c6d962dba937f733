"""Record each turn, so unanswered and declined questions can be reviewed."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.db import ChatTurn

log = logging.getLogger(__name__)


class ConversationLog:
    """Writes :class:`ChatTurn` rows; a database failure never fails the chat itself."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, *, session_id: str, channel: str, text: str, intent: str | None,
               outcome: str, confidence: float | None, top_doc_id: str | None,
               top_section: str | None) -> int | None:
        """Store one turn; its id, or None when the database failed."""
        try:
            with self._sessions.begin() as session:
                turn = ChatTurn(session_id=session_id, channel=channel, text=text,
                                intent=intent, outcome=outcome, confidence=confidence,
                                top_doc_id=top_doc_id, top_section=top_section)
                session.add(turn)
                session.flush()
                return turn.id
        except SQLAlchemyError:
            log.exception("could not record a chat turn for session %s", session_id)
            return None

    def recent(self, session_id: str, limit: int = 8) -> list[ChatTurn]:
        """The session's latest turns, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id)
                                   .order_by(ChatTurn.id.desc()).limit(limit)).all()
        return list(reversed(rows))
