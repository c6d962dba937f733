"""Two processes announcing the same publish at once (two engines on one PostgreSQL): each
subscriber gets one notice; two publishes racing for the last place of the week: the cap
holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hotline.subscriptions.service import Publish
from tests.clock import Clock
from tests.databases import database
from tests.subscriptions.conftest import START, Desk, open_desk

pytestmark = pytest.mark.integration
SUBSCRIBERS = [f"web:s{n:02d}" for n in range(12)]


def _together(desks: list[Desk], work: Callable[[Desk], None]) -> None:
    barrier = threading.Barrier(len(desks))
    errors: list[BaseException] = []

    def run(desk: Desk) -> None:
        try:
            barrier.wait(timeout=30)
            work(desk)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _publish(doc_id: str, version: int = 1) -> Publish:
    return Publish(doc_id, version, "policy", f"{doc_id} 的新政策", "武科规〔2026〕9号",
                   "https://kjj.wuhan.gov.cn/")


def test_two_announcers_of_one_publish_send_one_notice_per_subscriber(tmp_path: Path) -> None:
    with database("postgresql", tmp_path) as (_engine, url):
        clock = Clock(START)
        first, second = open_desk(url, clock), open_desk(url, clock)
        try:
            doc_id = first.draft()
            first.subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
            for identity in SUBSCRIBERS:
                first.subscriptions.subscribe(identity, "high_tech")

            def announce(desk: Desk) -> None:
                with desk.sessions.begin() as session:
                    desk.subscriptions.announce(session, _publish(doc_id))

            _together([first, second], announce)
            notices = first.notices()
            assert sorted(n.recipient_id for n in notices) == SUBSCRIBERS
        finally:
            for desk in (first, second):
                desk.sessions.kw["bind"].dispose()


def test_racing_publishes_keep_the_weekly_cap(tmp_path: Path) -> None:
    with database("postgresql", tmp_path) as (_engine, url):
        clock = Clock(START)
        desks = [open_desk(url, clock, SUBSCRIPTION_WEEKLY_CAP=1) for _ in range(3)]
        try:
            docs = [desks[0].draft(f"policy-{n}", title=f"政策{n}") for n in range(3)]
            for doc_id in docs:
                desks[0].subscriptions.set_document_topics(doc_id, ["high_tech"], "管理员")
            desks[0].subscriptions.subscribe("web:acme", "high_tech")
            order = iter(docs)
            lock = threading.Lock()

            def announce(desk: Desk) -> None:
                with lock:
                    doc_id = next(order)
                with desk.sessions.begin() as session:
                    desk.subscriptions.announce(session, _publish(doc_id))

            _together(desks, announce)
            assert len(desks[0].notices("web:acme")) == 1
        finally:
            for desk in desks:
                desk.sessions.kw["bind"].dispose()
