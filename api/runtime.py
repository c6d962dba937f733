"""Everything the app holds once per process: knowledge, index, database, assistant."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from assistant.assistant import DirectAssistant
from assistant.person_neighbours import PersonNeighbourhood, PersonNeighbours
from hotline.appointments.setup import Appointments, build_appointments
from hotline.audit.log import AuditLog
from hotline.audit.tickets import AuditedNotifier
from hotline.conversations.log import ConversationLog
from hotline.db import (
    init_schema,
    make_engine,
    make_session_factory,
    read_sessions,
    startup_lock,
)
from hotline.directory.store import DirectoryStore
from hotline.library.assembly import knowledge_from_database
from hotline.library.indexing import IndexJobs
from hotline.library.seed import import_seed
from hotline.library.service import Library
from hotline.notifications.setup import Notifications, build_notifications
from hotline.registries.lookup import RegistryLookup
from hotline.registries.store import RegistryStore
from hotline.reports.dashboard import DashboardReports
from hotline.security.logins import StaffLogins
from hotline.security.sessions import SessionIssuer, development_secret
from hotline.security.throttle import Throttle
from hotline.settings import Settings
from hotline.subscriptions.service import SubscriptionService
from hotline.subscriptions.setup import build_subscriptions
from hotline.tickets.deadlines import DeadlinePolicy
from hotline.tickets.links import TicketLinks
from hotline.tickets.ratings import RatingService
from hotline.tickets.service import HOTLINE_OWNER, TicketService
from knowledge.corpus import FileTables, KnowledgeBase, load_file_tables
from retrieval.build import tokenizer_for
from retrieval.calibration import DEFAULT_THRESHOLD, Calibration
from retrieval.embedder import Embedder
from retrieval.errors import IndexMismatchError, RetrievalError
from retrieval.searcher import HybridSearcher
from retrieval.store import IndexStore

log = logging.getLogger(__name__)
_MISMATCH = "index does not fit the knowledge base: "


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
    reports: DashboardReports = field(init=False)  # the admin console's statistics
    tickets: TicketService = field(init=False)
    ratings: RatingService = field(init=False)
    notifications: Notifications = field(init=False)  # inbox, outbox, delivery worker
    ticket_links: TicketLinks = field(init=False)  # tickets proven by number + phone
    appointments: Appointments = field(init=False)  # bookings, reminders, office hours
    logins: StaffLogins = field(init=False)  # staff passwords and browser sessions
    session_issuer: SessionIssuer = field(init=False)  # web / 鄂汇办 session credentials
    throttle: Throttle = field(init=False)  # rate limits (hotline/security/throttle.py)
    library: Library = field(init=False)  # documents, FAQs, synonyms (hotline/library)
    subscriptions: SubscriptionService = field(init=False)  # opt-in policy notices
    index_jobs: IndexJobs = field(init=False)  # background re-indexing
    registries: RegistryLookup = field(init=False)  # the imported registries' look-ups
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tables: FileTables | None = field(default=None, repr=False)
    _served_build: str | None = field(default=None, repr=False)
    _served_directory: int | None = field(default=None, repr=False)  # directory version id
    _served_day: date = field(default_factory=date.today, repr=False)
    _poll_stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _poller: threading.Thread | None = field(default=None, repr=False)
    _person: PersonNeighbourhood = field(default_factory=lambda: PersonNeighbourhood(),
                                         repr=False)

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        """Open the database (seeding an empty library from ``KNOWLEDGE_DIR``), load the
        published knowledge base, the embedding model and the index; then watch the index
        store for new builds (every ``LIBRARY_POLL_SECONDS``)."""
        engine = make_engine(settings.DATABASE_URL)
        sessions = make_session_factory(engine)
        library = Library(sessions)
        with startup_lock(engine):  # replicas starting together migrate and seed one by one
            init_schema(engine)
            if library.count() == 0:  # a new database: the files are the seed
                report = import_seed(library, settings.KNOWLEDGE_DIR)
                log.info("knowledge library seeded: %s", report)
        tables = load_file_tables(settings.KNOWLEDGE_DIR)
        knowledge = knowledge_from_database(library, sessions, settings.KNOWLEDGE_DIR, tables)
        runtime = cls(settings, knowledge, engine, sessions, ConversationLog(sessions),
                      embedder=None, searcher=None,
                      index_state=IndexState(False, "not loaded"), _tables=tables)
        runtime._served_build = runtime.index_store.current_build_id()
        runtime._served_directory = DirectoryStore(sessions).latest_id()
        state = runtime.load_index()
        if not state.serving and runtime.embedder is not None and \
                state.detail.startswith(_MISMATCH) and settings.LIBRARY_REINDEX_ON_START:
            runtime.index_jobs.request("索引与知识库不一致（启动时）", "system")
        if settings.LIBRARY_POLL_SECONDS > 0:
            runtime._start_polling(settings.LIBRARY_POLL_SECONDS)
        return runtime

    @property
    def index_store(self) -> IndexStore:
        """Where the index builds are."""
        return IndexStore(self.settings.INDEX_DIR)

    def current_knowledge(self) -> KnowledgeBase:
        """The knowledge base as the database has it now: the library's published, unexpired
        documents and the directory's latest saved version (the files until one is saved)."""
        if self._tables is None:
            self._tables = load_file_tables(self.settings.KNOWLEDGE_DIR)
        return knowledge_from_database(self.library, self.sessions, self.settings.KNOWLEDGE_DIR,
                                       self._tables)

    def index_is_current(self) -> bool:
        """Whether the served index and knowledge are what the database holds now (a
        change's re-index has been published and swapped in)."""
        current = self.current_knowledge()
        with self._lock:
            served, searcher = self.knowledge, self.searcher
        return searcher is not None and served.versions() == current.versions() and \
            served.directory_revision == current.directory_revision and \
            searcher.index.manifest.document_versions == current.versions()

    def request_reindex(self, reason: str, actor: str = "system") -> int:
        """Queue a background re-index; returns the job id."""
        return self.index_jobs.request(reason, actor).id

    def refresh(self) -> bool:
        """Reload knowledge and index together if the current build fits the library now;
        otherwise keep serving what is served (a build for the change is on its way)."""
        knowledge = self.current_knowledge()
        try:
            self._serve(knowledge)
        except IndexMismatchError as exc:
            log.info("new index build does not fit the library yet: %s", exc)
            return False
        except RetrievalError as exc:
            log.error("index reload failed, still serving the previous one: %s", exc)
            return False
        return True

    def _start_polling(self, seconds: float) -> None:
        def poll() -> None:
            while not self._poll_stop.wait(seconds):
                try:
                    self._poll_once()
                except Exception:  # the poller must survive a database hiccup
                    log.exception("index poll failed")

        self._poller = threading.Thread(target=poll, name="index-poll", daemon=True)
        self._poller.start()

    def _poll_once(self) -> None:
        """Swap to a new build, or to a new directory version that the served index fits
        already (an edit the index does not see, such as a phone number; otherwise its
        re-index's build brings it); on a new day, re-index if a document expired or took
        effect."""
        build = self.index_store.current_build_id()
        directory = DirectoryStore(self.sessions).latest_id()
        if (build is not None and build != self._served_build) or \
                directory != self._served_directory:
            self._served_build, self._served_directory = build, directory
            self.refresh()
        today = date.today()
        if today != self._served_day:
            self._served_day = today
            if self.current_knowledge().versions() != self.knowledge.versions():
                self.request_reindex("文档生效或失效（日期变更）", "system")

    def __post_init__(self) -> None:
        deadlines = DeadlinePolicy.from_config(self.settings.TICKET_DEADLINES,
                                               self.settings.RECTIFICATION_WORKING_DAYS)
        self.reads = read_sessions(self.sessions)  # SELECT-only sessions: never lock writers
        self.audit = AuditLog(self.sessions)  # who changed what (read by admins)
        self.reports = DashboardReports(self.sessions)  # the admin console's dashboard
        self.notifications = build_notifications(self.settings, self.sessions)
        # staff steps are audited in their transaction, then notified (hotline/audit/tickets.py)
        notifier = AuditedNotifier(self.notifications.notifier, frozenset({HOTLINE_OWNER}))
        self.tickets = TicketService(self.sessions, lambda: self.knowledge.directory,
                                     notifier, deadlines)
        self.ratings = RatingService(self.sessions, self.tickets)
        self.ticket_links = TicketLinks(self.sessions)
        self.appointments = build_appointments(self.settings, self.sessions,
                                               self.notifications.notifier)
        self.logins = StaffLogins(self.sessions)
        self.session_issuer = SessionIssuer(self.settings.SESSION_SECRET
                                            or development_secret(self.settings.VAR_DIR))
        self.throttle = Throttle(self.settings.RATE_LIMITS, self.settings.RATE_LIMIT_STORAGE,
                                 enabled=self.settings.RATE_LIMITS_ENABLED)
        self.library = Library(self.sessions)
        self.subscriptions = build_subscriptions(self.settings, self.sessions,
                                                 self.notifications.notifier, self.library)
        self.registries = RegistryLookup(RegistryStore(self.sessions))
        self.index_jobs = IndexJobs(self.sessions, self.index_store, self.current_knowledge,
                                    lambda: self.embedder)

    def load_index(self) -> IndexState:
        """(Re)load the current index for the knowledge base held; if it does not fit
        (manifest check), nothing is served and the state says why."""
        try:
            self._serve(self.knowledge)
        except RetrievalError as exc:
            log.error("retrieval index not served: %s", exc)
            with self._lock:
                self.searcher = None
                prefix = _MISMATCH if isinstance(exc, IndexMismatchError) else ""
                self.index_state = IndexState(False, f"{prefix}{exc}")
        return self.index_state

    def _serve(self, knowledge: KnowledgeBase) -> None:
        """Load the current build, check its manifest against ``knowledge`` and swap both in
        (single reference assignments under the lock); raises RetrievalError otherwise."""
        if self.embedder is None:
            self.embedder = Embedder(self.settings.EMBEDDING_MODEL, self.settings.QUERY_PROMPT,
                                     self.settings.PASSAGE_PROMPT,
                                     backend=self.settings.EMBEDDING_BACKEND,
                                     threads=self.settings.EMBEDDING_THREADS,
                                     lean_tokenizer=self.settings.EMBEDDING_LEAN_TOKENIZER)
        tokenizer = tokenizer_for(knowledge)
        index = self.index_store.load_current()
        index.manifest.check(model_fingerprint=self.embedder.fingerprint,
                             tokenizer_fingerprint=tokenizer.fingerprint,
                             document_versions=knowledge.versions())
        calibration = Calibration.load(self.settings.CALIBRATION_FILE)
        searcher = HybridSearcher(index, self.embedder, tokenizer, calibration,
                                  weights=(self.settings.DENSE_WEIGHT, 1.0),
                                  referrals=knowledge.referrals)
        with self._lock:
            self.knowledge, self.searcher = knowledge, searcher
            self.index_state = IndexState(
                True, f"{index.manifest.units} units, {index.manifest.chunks} chunks, "
                      f"built {index.manifest.built_at}")

    @property
    def answer_threshold(self) -> float:
        """The minimum confidence to answer: the setting, else the calibration's choice."""
        if self.settings.ANSWER_THRESHOLD is not None:
            return self.settings.ANSWER_THRESHOLD
        searcher = self.searcher
        return searcher.calibration.threshold if searcher else DEFAULT_THRESHOLD

    def assistant(self) -> DirectAssistant:
        """The direct assistant over the knowledge base and index currently served (read
        together, so a swap in between never pairs a new index with old knowledge)."""
        with self._lock:
            knowledge, searcher = self.knowledge, self.searcher
        return DirectAssistant(knowledge, searcher, self.answer_threshold,
                               self.settings.FAQ_VERBATIM_SIMILARITY, self.registries,
                               self.settings.CHOICE_THRESHOLD, self.person_neighbours())

    def person_neighbours(self, wait: bool = False) -> PersonNeighbours | None:
        """The nearest-example recogniser of requests for a person; None until its vectors
        are ready (cached by ``make setup``, else encoded once in the background; ``wait``
        blocks until then)."""
        embedder = self.embedder
        if embedder is None:
            return None
        return self._person.get(self.settings.NLU_DIR, self.settings.INDEX_DIR / "intents",
                                embedder, wait)

    def close(self) -> None:
        """Stop polling, re-indexing and delivering notifications; release the database."""
        self._poll_stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        self.index_jobs.stop()
        self.notifications.stop()
        self.engine.dispose()
