"""Record each turn, so unanswered and declined questions can be reviewed."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from api.db import ChatTurn

log = logging.getLogger(__name__)


class ConversationLog:
    """Writes :class:`ChatTurn` rows; a database failure never fails the chat itself."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def record(self, *, session_id: str, channel: str, text: str, intent: str | None,
               outcome: str, confidence: float | None, top_doc_id: str | None,
               top_section: str | None) -> None:
        """Store one turn."""
        try:
            with self._sessions.begin() as session:
                session.add(ChatTurn(session_id=session_id, channel=channel, text=text,
                                     intent=intent, outcome=outcome, confidence=confidence,
                                     top_doc_id=top_doc_id, top_section=top_section))
        except SQLAlchemyError:
            log.exception("could not record a chat turn for session %s", session_id)
