"""Everything the app holds once per process: knowledge, index, database, assistant."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from assistant.assistant import DirectAssistant
from hotline.audit.log import AuditLog
from hotline.audit.tickets import AuditedNotifier
from hotline.conversations.log import ConversationLog
from hotline.db import init_schema, make_engine, make_session_factory, read_sessions
from hotline.notifications.setup import Notifications, build_notifications
from hotline.security.logins import StaffLogins
from hotline.security.sessions import SessionIssuer, development_secret
from hotline.security.throttle import Throttle
from hotline.settings import Settings
from hotline.tickets.deadlines import DeadlinePolicy
from hotline.tickets.links import TicketLinks
from hotline.tickets.ratings import RatingService
from hotline.tickets.service import HOTLINE_OWNER, TicketService
from knowledge.corpus import KnowledgeBase, load_knowledge_base
from retrieval.build import tokenizer_for
from retrieval.calibration import DEFAULT_THRESHOLD, Calibration
from retrieval.embedder import Embedder
from retrieval.errors import RetrievalError
from retrieval.searcher import HybridSearcher
from retrieval.store import IndexStore

log = logging.getLogger(__name__)


@dataclass
class IndexState:
    """Whether the index is being served, and why not when it is not."""

    serving: bool
    detail: str


@dataclass
class Runtime:
    """The process's long-lived objects, created at start-up (never at import)."""

    settings: Settings
    knowledge: KnowledgeBase
    engine: Engine
    sessions: sessionmaker
    conversation_log: ConversationLog
    embedder: Embedder | None
    searcher: HybridSearcher | None
    index_state: IndexState
    reads: sessionmaker = field(init=False)  # the read path of sessions
    audit: AuditLog = field(init=False)
    tickets: TicketService = field(init=False)
    ratings: RatingService = field(init=False)
    notifications: Notifications = field(init=False)  # inbox, outbox, delivery worker
    ticket_links: TicketLinks = field(init=False)  # tickets proven by number + phone
    logins: StaffLogins = field(init=False)  # staff passwords and browser sessions
    session_issuer: SessionIssuer = field(init=False)  # web / 鄂汇办 session credentials
    throttle: Throttle = field(init=False)  # rate limits (hotline/security/throttle.py)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        """Load the knowledge base, the embedding model and the index; open the database."""
        knowledge = load_knowledge_base(settings.KNOWLEDGE_DIR)
        engine = make_engine(settings.DATABASE_URL)
        init_schema(engine)
        sessions = make_session_factory(engine)
        runtime = cls(settings, knowledge, engine, sessions, ConversationLog(sessions),
                      embedder=None, searcher=None,
                      index_state=IndexState(False, "not loaded"))
        runtime.load_index()
        return runtime

    def __post_init__(self) -> None:
        deadlines = DeadlinePolicy.from_config(self.settings.TICKET_DEADLINES,
                                               self.settings.RECTIFICATION_WORKING_DAYS)
        self.reads = read_sessions(self.sessions)  # SELECT-only sessions: never lock writers
        self.audit = AuditLog(self.sessions)  # who changed what (read by admins)
        self.notifications = build_notifications(self.settings, self.sessions)
        # staff steps are audited in their transaction, then notified (hotline/audit/tickets.py)
        notifier = AuditedNotifier(self.notifications.notifier, frozenset({HOTLINE_OWNER}))
        self.tickets = TicketService(self.sessions, lambda: self.knowledge.directory,
                                     notifier, deadlines)
        self.ratings = RatingService(self.sessions, self.tickets)
        self.ticket_links = TicketLinks(self.sessions)
        self.logins = StaffLogins(self.sessions)
        self.session_issuer = SessionIssuer(self.settings.SESSION_SECRET
                                            or development_secret(self.settings.VAR_DIR))
        self.throttle = Throttle(self.settings.RATE_LIMITS, self.settings.RATE_LIMIT_STORAGE,
                                 enabled=self.settings.RATE_LIMITS_ENABLED)


    def load_index(self) -> IndexState:
        """(Re)load the current index; the swap is a single reference assignment."""
        with self._lock:
            try:
                if self.embedder is None:
                    self.embedder = Embedder(self.settings.EMBEDDING_MODEL,
                                             self.settings.QUERY_PROMPT,
                                             self.settings.PASSAGE_PROMPT,
                                             backend=self.settings.EMBEDDING_BACKEND)
                tokenizer = tokenizer_for(self.knowledge)
                index = IndexStore(self.settings.INDEX_DIR).load_current()
                index.manifest.check(model_fingerprint=self.embedder.fingerprint,
                                     tokenizer_fingerprint=tokenizer.fingerprint,
                                     document_versions=self.knowledge.versions())
                calibration = Calibration.load(self.settings.CALIBRATION_FILE)
                self.searcher = HybridSearcher(
                    index, self.embedder, tokenizer, calibration,
                    weights=(self.settings.DENSE_WEIGHT, 1.0), referrals=self.knowledge.referrals)
                self.index_state = IndexState(
                    True, f"{index.manifest.units} units, {index.manifest.chunks} chunks, "
                          f"built {index.manifest.built_at}")
            except RetrievalError as exc:
                log.error("retrieval index not served: %s", exc)
                self.searcher = None
                self.index_state = IndexState(False, str(exc))
            return self.index_state

    @property
    def answer_threshold(self) -> float:
        """The minimum confidence to answer: the setting, else the calibration's choice."""
        if self.settings.ANSWER_THRESHOLD is not None:
            return self.settings.ANSWER_THRESHOLD
        searcher = self.searcher
        return searcher.calibration.threshold if searcher else DEFAULT_THRESHOLD

    def assistant(self) -> DirectAssistant:
        """The direct assistant over the index currently served."""
        return DirectAssistant(self.knowledge, self.searcher, self.answer_threshold,
                               self.settings.FAQ_VERBATIM_SIMILARITY)

    def close(self) -> None:
        """Stop delivering notifications and release the database connections."""
        self.notifications.stop()
        self.engine.dispose()
