"""A library, the real notification machinery and the subscription service on a fresh
database (SQLite and PostgreSQL), with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_engine, make_session_factory
from hotline.library.content import Metadata
from hotline.library.lifecycle import Move
from hotline.library.service import FaqInput, Library
from hotline.library.splitting import split_text
from hotline.notifications.models import Delivery, Notification
from hotline.notifications.setup import Notifications, build_notifications
from hotline.settings import Settings
from hotline.subscriptions.service import SubscriptionService
from hotline.subscriptions.setup import build_subscriptions
from hotline.tickets.deadlines import BEIJING
from knowledge.models import DocKind
from tests.clock import Clock
from tests.notifications.conftest import FAST, QUIET
from tests.notifications.conftest import url as url  # SQLite and PostgreSQL, migrated

START = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)  # a Tuesday (ISO week 2026-W49)
POLICY = """第一条 为支持高新技术企业发展，制定本细则。
第二条 对首次认定的高新技术企业给予30万元奖励。
"""


@dataclass
class Desk:
    """What a test drives (one per "process": its own engine)."""

    library: Library
    subscriptions: SubscriptionService
    notifications: Notifications
    clock: Clock
    sessions: sessionmaker[Session]
    url: str

    def notices(self, identity: str | None = None) -> list[Notification]:
        query = select(Notification).where(Notification.event == "subscription")
        if identity is not None:
            query = query.where(Notification.recipient_id == identity)
        with self.sessions() as session:
            return list(session.scalars(query.order_by(Notification.id)))

    def deliveries(self) -> list[Delivery]:
        with self.sessions() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))

    def draft(self, doc_id: str = "policy-gaoqi", title: str = "高新技术企业奖励细则",
              doc_number: str | None = "武科规〔2026〕9号",
              source: str = "https://kjj.wuhan.gov.cn/zcfg/gaoqi.html") -> str:
        self.library.create(Metadata(DocKind.POLICY, title, "武汉市科学技术局", source,
                                     doc_number), split_text(doc_id, POLICY), "编辑甲", doc_id)
        return doc_id

    def faq(self, question: str = "高企认定的奖励什么时候发？",
            answer: str = "认定通过后次年一季度兑现，无需另行申请。") -> str:
        view = self.library.save_faq(FaqInput(
            question=question, answer=answer, title="高新技术企业奖励细则",
            issuer="武汉市科学技术局", doc_number="武科规〔2026〕9号", section="第二条",
            source="测试"), "编辑甲")
        return view.document.id

    def publish(self, doc_id: str) -> None:
        self.library.transition(doc_id, Move.SUBMIT, "编辑甲")
        self.library.transition(doc_id, Move.PUBLISH, "管理员")


def open_desk(url: str, clock: Clock, **settings: Any) -> Desk:
    """A desk over ``url`` (migrated) with its own engine, as a separate process has."""
    config = Settings(**{**QUIET, "DATABASE_URL": url, **settings})
    sessions = make_session_factory(make_engine(url))
    notifications = build_notifications(config, sessions, backoff=FAST, clock=clock)
    library = Library(sessions)
    service = build_subscriptions(config, sessions, notifications.notifier, library)
    service.clock = clock
    return Desk(library, service, notifications, clock, sessions, url)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def desks() -> Iterator[list[Desk]]:
    opened: list[Desk] = []
    yield opened
    for desk in opened:
        desk.sessions.kw["bind"].dispose()


@pytest.fixture
def desk(url: str, clock: Clock, desks: list[Desk]) -> Desk:
    opened = open_desk(url, clock, SUBSCRIPTION_WEEKLY_CAP=2)
    desks.append(opened)
    return opened
