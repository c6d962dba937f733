"""The dashboard's statistics over rows the test writes (SQLite and PostgreSQL): counts per day
and channel, the three decision rates, votes, the five rating levels, tickets per district,
and on-time rates against deadlines counted in working days (国庆 2025 is a holiday)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.conversations.models import ChatTurn
from hotline.db import make_session_factory
from hotline.reports.dashboard import DashboardReports, Period, PeriodError
from hotline.reports.tables import to_csv
from hotline.tickets.deadlines import BEIJING, DeadlinePolicy
from hotline.tickets.models import AnswerVote, Rating
from hotline.tickets.service import NewTicket, TicketService
from tests.clock import Clock
from tests.databases import database


class Silent:
    """A notifier that says nothing."""

    def record(self, session, notice) -> None:  # type: ignore[no-untyped-def]
        pass


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as (engine, _url):
        yield make_session_factory(engine)


def add_turn(db: sessionmaker[Session], session_id: str, channel: str, outcome: str,
             when: datetime) -> int:
    with db.begin() as session:
        turn = ChatTurn(session_id=session_id, channel=channel, text="问题", intent=None,
                        outcome=outcome, confidence=None, created_at=when)
        session.add(turn)
        session.flush()
        return turn.id


def test_conversations_rates_votes_and_ratings_per_beijing_day(
        sessions: sessionmaker[Session]) -> None:
    # 9月30日 23:30 Beijing is 15:30 UTC: it counts on the 30th, 00:30 on 10月1日 on the 1st
    first = add_turn(sessions, "web:a", "web", "answered", at(9, 30, 23, 30))
    add_turn(sessions, "web:a", "web", "declined", at(9, 30, 23, 40))
    add_turn(sessions, "web:b", "web", "referred", at(9, 30, 9))
    add_turn(sessions, "wechat:c", "wechat", "answered", at(9, 30, 10))
    add_turn(sessions, "web:a", "web", "answered", at(10, 1, 0, 30))
    add_turn(sessions, "web:d", "web", "smalltalk", at(10, 1, 8))
    add_turn(sessions, "web:e", "web", "answered", at(10, 3, 8))  # outside the period
    with sessions.begin() as session:
        session.add(AnswerVote(turn_id=first, session_id="web:a", helpful=True,
                               created_at=at(9, 30, 23, 50)))
        session.add_all([Rating(subject=f"chat:{n}", session_id=f"web:{n}", channel="web",
                                level=level, created_at=at(10, 1, 9))
                         for n, level in enumerate([5, 5, 4, 1, 3])])
        session.add(Rating(subject="chat:late", session_id="web:late", channel="web", level=2,
                           created_at=at(10, 3, 9)))  # outside the period

    board = DashboardReports(sessions).build(Period(date(2025, 9, 30), date(2025, 10, 1)),
                                             now=at(10, 2, 12))

    conversations = {(r["day"], r["channel"]): (r["conversations"], r["messages"])
                     for r in board.tables["conversations"].rows}
    assert conversations == {("2025-09-30", "网页"): (2, 3), ("2025-09-30", "微信"): (1, 1),
                             ("2025-10-01", "网页"): (2, 2)}
    rates = {r["day"]: r for r in board.tables["rates"].rows}
    assert (rates["2025-09-30"]["answered"], rates["2025-09-30"]["declined"],
            rates["2025-09-30"]["referred"]) == (2, 1, 1)
    assert rates["2025-09-30"]["answer_rate"] == 0.5
    assert rates["2025-09-30"]["referral_rate"] == 0.25
    assert rates["2025-10-01"]["answer_rate"] == 1.0  # small talk is no decision
    assert rates["2025-10-01"]["messages"] == 2
    assert board.summary["answer_rate"] == 0.6 and board.summary["decline_rate"] == 0.2
    votes = {r["day"]: (r["helpful"], r["not_helpful"]) for r in board.tables["votes"].rows}
    assert votes == {"2025-09-30": (1, 0), "2025-10-01": (0, 0)}
    levels = {r["level"]: r["count"] for r in board.tables["ratings"].rows}
    assert levels == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1}
    assert board.summary["satisfaction_rate"] == 0.6 and board.summary["messages"] == 6


def test_on_time_rates_count_working_days_not_calendar_days(  # type: ignore[no-untyped-def]
        sessions: sessionmaker[Session], knowledge) -> None:
    clock = Clock(at(9, 30, 10))  # 国庆: 10月1–8日 off, Saturday 10月11日 a working day
    tickets = TicketService(sessions, lambda: knowledge.directory, Silent(),
                            DeadlinePolicy.from_config(), clock=clock)

    def opened(district: str | None) -> str:
        return tickets.open(NewTicket(session_id="web:t", channel="web", question="=HYPERLINK(1)",
                                      company=None, phone=None, district=district)).id

    def act(ticket_id: str, action: str, when: datetime) -> None:
        clock.now = when
        tickets.act(ticket_id, action, "联络员", resolution="已答复" if action == "resolve" else None)

    on_time, late, overdue = opened("江夏区"), opened("光谷"), opened("江夏区")
    assert tickets.get(on_time).contact_due_at == at(10, 9, 10)  # 1 working day
    assert tickets.get(on_time).due_at == at(10, 11, 10)  # 3 working days
    act(on_time, "contact", at(10, 8, 9))  # eight calendar days later, still in time
    act(on_time, "resolve", at(10, 11, 9))
    act(late, "contact", at(10, 9, 11))
    act(late, "resolve", at(10, 13, 9))
    clock.now = at(10, 10, 10)
    pending = opened(None)  # contact due 10月11日 (the Saturday worked), solution 10月14日
    tickets.act(pending, "assign", "热线", to_owner="张三")
    act(pending, "contact", at(10, 11, 9))

    board = DashboardReports(sessions).build(Period(date(2025, 9, 30), date(2025, 10, 10)),
                                             now=at(10, 12, 12))

    stages = {r["stage"]: r for r in board.tables["deadlines"].rows}
    solution, contact = stages["solution"], stages["contact"]
    assert (solution["on_time"], solution["late"], solution["overdue"], solution["pending"]) == \
        (1, 1, 1, 1)
    assert solution["on_time_rate"] == round(1 / 3, 4) == board.summary["on_time_rate"]
    assert (contact["on_time"], contact["late"], contact["overdue"]) == (2, 1, 1)
    assert contact["on_time_rate"] == 0.5
    districts = {r["district"]: (r["tickets"], r["resolved"], r["open"], r["overdue"])
                 for r in board.tables["districts"].rows}
    assert districts == {"江夏区": (2, 1, 1, 1), "东湖高新区": (1, 1, 0, 0), "未定区": (1, 0, 1, 0)}
    [row] = board.tables["overdue"].rows
    assert row["id"] == overdue and row["deadline"] == "办结"
    assert row["overdue_hours"] == 26 and row["due_at"] == "2025-10-11 10:00"

    # the overdue list is as of now, whatever the period; the other tables follow the period
    later = DashboardReports(sessions).build(Period(date(2025, 10, 11), date(2025, 10, 12)),
                                             now=at(10, 12, 12))
    assert [r["id"] for r in later.tables["overdue"].rows] == [overdue]
    assert later.tables["districts"].rows == []
    assert later.summary["on_time_rate"] is None

    exported = to_csv(board.tables["overdue"])
    cells = list(csv.reader(io.StringIO(exported.removeprefix("\ufeff"))))
    assert cells[0][0] == "工单号" and cells[1][-1] == "'=HYPERLINK(1)"


def test_periods_are_bounded() -> None:
    with pytest.raises(PeriodError):
        Period(date(2025, 10, 2), date(2025, 10, 1))
    with pytest.raises(PeriodError):
        Period(date(2024, 1, 1), date(2025, 1, 1))
    assert len(Period.ending(date(2025, 10, 1), 7).days) == 7
