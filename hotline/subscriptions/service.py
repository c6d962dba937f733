"""Subscribe, unsubscribe, list; tag documents with topics; announce a publish.

:meth:`SubscriptionService.announce` runs inside the publish's own transaction (the
library's publish hook): for each subscriber of the document's topics it first *claims*
the (publish, subscriber) pair with ``INSERT … ON CONFLICT DO NOTHING`` on a UNIQUE key —
a second announcer of the same publish, in another process, waits for the first one's
commit and then inserts nothing — then takes one of the week's notices with a conditional
``UPDATE … WHERE sent < cap`` and writes the inbox row and outbox deliveries through the
notifier. All of it commits with the publish or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import record
from hotline.db import read_sessions, retry_locked, rowcount
from hotline.notifications.notifier import About, CompositeNotifier
from hotline.notifications.policy import Message, Role
from hotline.subscriptions.identity import Identity, verified_identity
from hotline.subscriptions.models import Announcement, DocumentTopic, Subscription, WeeklyCount
from hotline.subscriptions.topics import BY_KEY, TOPICS, topic_by_key
from hotline.tickets.deadlines import BEIJING

EVENT = "subscription"  # the notices' event (inbox and webhook)
SENT, CAPPED = "sent", "capped"
AUDIT_KIND = "document_topics"


class NotVerified(PermissionError):
    """The chat identity cannot subscribe (not a verified WeChat, 鄂汇办 or web session)."""


class UnknownTopic(ValueError):
    """No such topic key."""


@dataclass(frozen=True, slots=True)
class Publish:
    """What was published: a document's new version (a FAQ's answer when it is one)."""

    document_id: str
    version: int
    kind: str
    title: str
    doc_number: str | None
    source: str
    answer: str | None = None

    @property
    def key(self) -> str:
        return f"{self.document_id}@v{self.version}"


def week_of(moment: datetime) -> str:
    """The ISO week of ``moment`` in Beijing: ``2026-W49``."""
    year, week, _day = moment.astimezone(BEIJING).isocalendar()
    return f"{year}-W{week:02d}"


def _brief(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def notice_text(topic: str, publish: Publish) -> str:
    """The short notice a subscriber reads (plain text)."""
    name = BY_KEY[topic].name
    number = f"（{publish.doc_number}）" if publish.doc_number else ""
    if publish.answer:
        body = f"新问答：{_brief(publish.title, 40)} —— {_brief(publish.answer, 120)}"
    else:
        where = publish.source if publish.source.startswith(("http://", "https://")) else \
            f"在对话中发送“{_brief(publish.title, 30)}”即可查看要点"
        body = f"新发布《{_brief(publish.title, 60)}》{number}，{where}"
    return f"【政策订阅·{name}】{body}。回复“退订{name}”可退订。"


def notice_facts(topic: str, publish: Publish) -> dict[str, Any]:
    """What a channel needs beyond the text (e.g. WeChat's 订阅通知 template fields)."""
    return {"topic": BY_KEY[topic].name, "title": publish.title,
            "doc_number": publish.doc_number or "", "link": publish.source
            if publish.source.startswith(("http://", "https://")) else ""}


def _insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT unless the row's unique key exists (also when another transaction is
    inserting it: PostgreSQL waits for it); True when this call inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


class SubscriptionService:
    """Subscriptions of verified identities; one instance per process (thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session], notifier: CompositeNotifier,
                 weekly_cap: int = 3,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)
        self.notifier = notifier
        self.weekly_cap = weekly_cap
        self.clock = clock

    # -- an enterprise's own subscriptions -------------------------------------------------
    @staticmethod
    def identity(session_id: str) -> Identity:
        """The verified identity of a chat session; :class:`NotVerified` otherwise."""
        identity = verified_identity(session_id)
        if identity is None:
            raise NotVerified(session_id)
        return identity

    @retry_locked
    def subscribe(self, session_id: str, topic: str) -> bool:
        """Subscribe; False when it was subscribed already."""
        identity = self.identity(session_id)
        if topic_by_key(topic) is None:
            raise UnknownTopic(topic)
        with self._sessions.begin() as session:
            return _insert_ignore(session, Subscription.__table__, {
                "identity": identity.id, "topic": topic, "channel": identity.channel,
                "created_at": self.clock()})

    @retry_locked
    def unsubscribe(self, session_id: str, topic: str | None = None) -> list[str]:
        """Drop one topic (or all, ``topic=None``); the topic keys dropped."""
        identity = self.identity(session_id)
        with self._sessions.begin() as session:
            query = select(Subscription).where(Subscription.identity == identity.id)
            if topic is not None:
                query = query.where(Subscription.topic == topic)
            rows = list(session.scalars(query))
            if rows:
                session.execute(delete(Subscription).where(
                    Subscription.id.in_([row.id for row in rows])))
            return [row.topic for row in rows]

    def topics_of(self, session_id: str) -> list[str]:
        """The identity's topic keys, in the topics' order."""
        identity = self.identity(session_id)
        with self._reads() as session:
            keys = set(session.scalars(select(Subscription.topic).where(
                Subscription.identity == identity.id)))
        return [topic.key for topic in TOPICS if topic.key in keys]

    # -- documents' topics (admins) ----------------------------------------------------------
    def document_topics(self, document_id: str) -> list[str]:
        with self._reads() as session:
            keys = set(session.scalars(select(DocumentTopic.topic).where(
                DocumentTopic.document_id == document_id)))
        return [topic.key for topic in TOPICS if topic.key in keys]

    @retry_locked
    def set_document_topics(self, document_id: str, topics: list[str], actor: str) -> list[str]:
        """Replace a document's topics (keys checked by the caller; unknown ones raise)."""
        unknown = [key for key in topics if key not in BY_KEY]
        if unknown:
            raise UnknownTopic(", ".join(unknown))
        wanted = [topic.key for topic in TOPICS if topic.key in set(topics)]
        with self._sessions.begin() as session:
            before = sorted(session.scalars(select(DocumentTopic.topic).where(
                DocumentTopic.document_id == document_id)))
            session.execute(delete(DocumentTopic).where(DocumentTopic.document_id == document_id))
            session.add_all(DocumentTopic(document_id=document_id, topic=key) for key in wanted)
            record(session, actor, "set_topics", AUDIT_KIND, document_id,
                   {"topics": before}, {"topics": wanted})
        return wanted

    # -- announcing ------------------------------------------------------------------------
    def announce(self, session: Session, publish: Publish) -> int:
        """Tell each subscriber of the document's topics, once per publish, within the
        weekly cap, in ``session``'s transaction; how many notices were written."""
        topics = [key for key in session.scalars(select(DocumentTopic.topic).where(
            DocumentTopic.document_id == publish.document_id)) if key in BY_KEY]
        if not topics:
            return 0
        order = {topic.key: n for n, topic in enumerate(TOPICS)}
        rows = session.execute(select(Subscription.identity, Subscription.topic,
                                      Subscription.channel)
                               .where(Subscription.topic.in_(topics))).all()
        first: dict[str, tuple[str, str]] = {}  # identity → (topic, channel)
        for identity, topic, channel in sorted(rows, key=lambda r: (r[0], order[r[1]])):
            first.setdefault(identity, (topic, channel))
        now = self.clock()
        week = week_of(now)
        sent = 0
        for identity in sorted(first):  # one order in every process: no lock cycles
            topic, channel = first[identity]
            if not _insert_ignore(session, Announcement.__table__, {
                    "publish_key": publish.key, "identity": identity, "topic": topic,
                    "outcome": SENT, "created_at": now}):
                continue  # announced already (or being announced by another process)
            if not self._take_one(session, identity, week):
                session.execute(update(Announcement).where(
                    Announcement.publish_key == publish.key,
                    Announcement.identity == identity).values(outcome=CAPPED))
                continue
            message = Message("enterprise", identity, Role.ENTERPRISE, EVENT,
                              f"政策订阅：{BY_KEY[topic].name}", notice_text(topic, publish))
            self.notifier.deliver(session, message, channel, About(
                f"文档 {publish.document_id}",
                {"document_id": publish.document_id, "version": publish.version,
                 "notice": notice_facts(topic, publish)}))
            sent += 1
        return sent

    def _take_one(self, session: Session, identity: str, week: str) -> bool:
        """One of the week's notices for ``identity``; False when the cap is reached."""
        if self.weekly_cap <= 0:
            return False
        _insert_ignore(session, WeeklyCount.__table__, {"identity": identity, "week": week,
                                                        "sent": 0})
        return rowcount(session.execute(
            update(WeeklyCount).where(WeeklyCount.identity == identity,
                                      WeeklyCount.week == week,
                                      WeeklyCount.sent < self.weekly_cap)
            .values(sent=WeeklyCount.sent + 1).execution_options(
                synchronize_session=False))) == 1
