"""The dashboard's statistics over a period of Beijing calendar days.

Turns (one row per message, with the outcome the assistant decided), answer votes (helpful
/ not helpful) and ratings (好差评, five levels) are counted from their daily rollups
(:mod:`hotline.reports.rollups`, read by :mod:`hotline.reports.counts`); ``tickets`` are read
as they are (with the contact and solution deadlines computed in working days
when each was opened, :mod:`hotline.tickets.deadlines`). Every table is a
:class:`~hotline.reports.tables.Table`, exported to CSV as it is shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, sessionmaker

from hotline.db import read_sessions
from hotline.reports.counts import CountSource, PeriodCounts, rollup_counts
from hotline.reports.period import DEFAULT_DAYS, MAX_DAYS, Period, PeriodError, beijing_day
from hotline.reports.tables import Table
from hotline.tickets.deadlines import BEIJING
from hotline.tickets.lifecycle import OPEN_STATUSES, STATUS_LABELS
from hotline.tickets.models import Ticket
from hotline.tickets.ratings import RATING_LABELS
from hotline.tickets.service import is_overdue

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "TABLE_NAMES", "Dashboard", "DashboardReports", "Period",
           "PeriodError", "beijing_day"]

QUESTION_SNIPPET = 80
# The knowledge base's three decisions: the answer / decline / referral rates share them.
DECISIONS = ("answered", "declined", "referred")
NO_DISTRICT = "未定区"
CHANNEL_LABELS = {"web": "网页", "ehuiban": "鄂汇办", "wechat": "微信", "phone": "电话",
                  "counter": "窗口"}
TABLE_NAMES = ("conversations", "rates", "votes", "ratings", "districts", "deadlines", "overdue")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The period's tables and headline numbers."""

    period: Period
    generated_at: datetime
    tables: dict[str, Table]
    summary: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The dashboard for the JSON API."""
        return {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                "generated_at": self.generated_at.isoformat(), "summary": self.summary,
                "tables": {name: table.as_json() for name, table in self.tables.items()}}


def conversations_table(counts: PeriodCounts) -> Table:
    """Conversations (distinct sessions) and messages per day and channel."""
    messages: Counter[tuple[date, str]] = Counter()
    for (day, channel, _outcome), number in counts.turns.items():
        messages[(day, channel)] += number
    rows = [{"day": day.isoformat(), "channel": CHANNEL_LABELS.get(channel, channel),
             "conversations": counts.conversations[(day, channel)],
             "messages": messages[(day, channel)]}
            for day, channel in sorted(key for key, number in messages.items() if number)]
    return Table("conversations", "每日会话量（按渠道）",
                 (("day", "日期"), ("channel", "渠道"), ("conversations", "会话数"),
                  ("messages", "消息数")), rows)


def rates_table(counts: PeriodCounts, period: Period) -> Table:
    """Per day: the knowledge base's decisions and the answer / decline / referral rates
    (each decision's share of the three)."""
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    for (day, _channel, outcome), number in counts.turns.items():
        by_day[day][outcome] += number
    rows = []
    for day in period.days:
        day_counts = by_day.get(day, Counter())
        decided = sum(day_counts[d] for d in DECISIONS)
        rows.append({"day": day.isoformat(), "messages": sum(day_counts.values()),
                     **{d: day_counts[d] for d in DECISIONS},
                     "liaison": day_counts["liaison"], "handoff": day_counts["handoff"],
                     "answer_rate": _rate(day_counts["answered"], decided),
                     "decline_rate": _rate(day_counts["declined"], decided),
                     "referral_rate": _rate(day_counts["referred"], decided)})
    return Table("rates", "答复率 / 拒答率 / 转介率（按日）",
                 (("day", "日期"), ("messages", "消息数"), ("answered", "答复"),
                  ("declined", "拒答"), ("referred", "转介"), ("liaison", "联系人查询"),
                  ("handoff", "转人工"), ("answer_rate", "答复率"), ("decline_rate", "拒答率"),
                  ("referral_rate", "转介率")), rows)


def votes_table(counts: PeriodCounts, period: Period) -> Table:
    """Per day: helpful and not-helpful votes on answers."""
    rows = []
    for day in period.days:
        helpful, unhelpful = counts.votes[(day, True)], counts.votes[(day, False)]
        rows.append({"day": day.isoformat(), "helpful": helpful, "not_helpful": unhelpful,
                     "helpful_rate": _rate(helpful, helpful + unhelpful)})
    return Table("votes", "答案有用 / 没用（按日）",
                 (("day", "日期"), ("helpful", "有用"), ("not_helpful", "没用"),
                  ("helpful_rate", "有用率")), rows)


def ratings_table(counts: PeriodCounts) -> Table:
    """好差评: how many ratings of each of the five levels."""
    levels = counts.ratings
    total = sum(levels.values())
    rows = [{"level": level, "label": label, "count": levels[level],
             "share": _rate(levels[level], total)} for level, label in RATING_LABELS.items()]
    return Table("ratings", "好差评分布",
                 (("level", "等级"), ("label", "评价"), ("count", "数量"), ("share", "占比")),
                 rows)


def districts_table(tickets: Iterable[Ticket], now: datetime) -> Table:
    """Tickets opened in the period per district: resolved, still open, overdue."""
    by_district: dict[str, Counter[str]] = defaultdict(Counter)
    for ticket in tickets:
        counts = by_district[ticket.district or NO_DISTRICT]
        counts["tickets"] += 1
        counts["resolved"] += ticket.resolved_at is not None
        counts["open"] += ticket.status in OPEN_STATUSES
        counts["overdue"] += is_overdue(ticket, now)
    rows = [{"district": district, **{k: counts[k] for k in ("tickets", "resolved", "open",
                                                             "overdue")}}
            for district, counts in sorted(by_district.items(),
                                           key=lambda item: (-item[1]["tickets"], item[0]))]
    return Table("districts", "各区工单量",
                 (("district", "区"), ("tickets", "工单数"), ("resolved", "已办结"),
                  ("open", "办理中"), ("overdue", "已超期")), rows)


def _judge(done_at: datetime | None, due_at: datetime, now: datetime) -> str:
    """on_time | late | overdue (not done, past due) | pending (not done, not yet due)."""
    if done_at is not None:
        return "on_time" if done_at <= due_at else "late"
    return "overdue" if now > due_at else "pending"


def deadlines_table(tickets: Iterable[Ticket], now: datetime) -> Table:
    """On-time rates against the working-day deadlines of the tickets opened in the period.

    First contact counts as done at ``contacted_at`` (or at resolution, which implies it);
    the solution at ``resolved_at``. The rate is on time / (on time + late + overdue): a
    ticket still within its deadline is not judged yet.
    """
    judged: dict[str, Counter[str]] = {"contact": Counter(), "solution": Counter()}
    for ticket in tickets:
        judged["contact"][_judge(ticket.contacted_at or ticket.resolved_at,
                                 ticket.contact_due_at, now)] += 1
        judged["solution"][_judge(ticket.resolved_at, ticket.due_at, now)] += 1
    rows = []
    for stage, label in (("contact", "首次联系"), ("solution", "办结")):
        counts = judged[stage]
        decided = counts["on_time"] + counts["late"] + counts["overdue"]
        rows.append({"stage": stage, "label": label, "on_time": counts["on_time"],
                     "late": counts["late"], "overdue": counts["overdue"],
                     "pending": counts["pending"], "on_time_rate": _rate(counts["on_time"],
                                                                         decided)})
    return Table("deadlines", "按时率（工作日时限）",
                 (("label", "环节"), ("on_time", "按时"), ("late", "超时完成"),
                  ("overdue", "超期未完成"), ("pending", "未到期"), ("on_time_rate", "按时率")),
                 rows)


def overdue_table(tickets: Iterable[Ticket], now: datetime) -> Table:
    """Open tickets past a deadline now, whenever they were opened; the longest overdue first."""
    rows: list[dict[str, Any]] = []
    for ticket in tickets:
        if not is_overdue(ticket, now):
            continue
        missed = ticket.due_at if now > ticket.due_at else ticket.contact_due_at
        rows.append({"id": ticket.id, "district": ticket.district or NO_DISTRICT,
                     "owner": ticket.owner,
                     "status": STATUS_LABELS.get(ticket.status, ticket.status),
                     "deadline": "办结" if missed == ticket.due_at else "首次联系",
                     "created_at": _local(ticket.created_at), "due_at": _local(missed),
                     "overdue_hours": int((now - missed).total_seconds() // 3600),
                     "question": ticket.question[:QUESTION_SNIPPET]})
    rows.sort(key=lambda row: -row["overdue_hours"])
    return Table("overdue", "超期工单（当前）",
                 (("id", "工单号"), ("district", "区"), ("owner", "负责人"), ("status", "状态"),
                  ("deadline", "超期环节"), ("created_at", "受理时间"), ("due_at", "时限"),
                  ("overdue_hours", "超期小时"), ("question", "问题")), rows)


def _summary(tables: dict[str, Table]) -> dict[str, Any]:
    rates = tables["rates"].rows
    decided = {d: sum(int(r[d]) for r in rates) for d in DECISIONS}
    total = sum(decided.values())
    votes = tables["votes"].rows
    helpful = sum(int(r["helpful"]) for r in votes)
    voted = helpful + sum(int(r["not_helpful"]) for r in votes)
    ratings = tables["ratings"].rows
    rated = sum(int(r["count"]) for r in ratings)
    satisfied = sum(int(r["count"]) for r in ratings if int(r["level"]) >= 4)
    solution = next(r for r in tables["deadlines"].rows if r["stage"] == "solution")
    return {
        "conversations": sum(int(r["conversations"]) for r in tables["conversations"].rows),
        "messages": sum(int(r["messages"]) for r in rates),
        "answer_rate": _rate(decided["answered"], total),
        "decline_rate": _rate(decided["declined"], total),
        "referral_rate": _rate(decided["referred"], total),
        "helpful_rate": _rate(helpful, voted), "ratings": rated,
        "satisfaction_rate": _rate(satisfied, rated),
        "tickets": sum(int(r["tickets"]) for r in tables["districts"].rows),
        "on_time_rate": solution["on_time_rate"], "overdue": len(tables["overdue"].rows),
    }


class DashboardReports:
    """Builds the dashboard from the database (read-only sessions).

    Turns, votes and ratings come from ``counts`` (the daily rollups by default, a few rows
    per day; :func:`~hotline.reports.counts.scan_counts` reads every row instead); tickets
    are read as they are (those opened in the period and those still open: their deadlines
    and overdue state depend on ``now``).
    """

    def __init__(self, sessions: sessionmaker[Session],
                 counts: CountSource = rollup_counts) -> None:
        self._reads = read_sessions(sessions)
        self._counts = counts

    def build(self, period: Period, now: datetime) -> Dashboard:
        """Every table of the period; ``overdue`` is as of ``now``, whatever the period."""
        first, after = period.bounds()
        with self._reads() as session:
            counts = self._counts(session, period)
            tickets = select(Ticket).options(lazyload(Ticket.events))  # no history needed
            opened = session.scalars(tickets.where(
                Ticket.created_at >= first, Ticket.created_at < after)).all()
            still_open = session.scalars(tickets.where(
                Ticket.status.in_(list(OPEN_STATUSES)))).all()
        tables = [conversations_table(counts), rates_table(counts, period),
                  votes_table(counts, period), ratings_table(counts),
                  districts_table(opened, now), deadlines_table(opened, now),
                  overdue_table(still_open, now)]
        by_name = {table.name: table for table in tables}
        return Dashboard(period, now, by_name, _summary(by_name))
