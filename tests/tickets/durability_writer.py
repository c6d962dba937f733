"""Writes tickets, steps and ratings as fast as it can until it is killed (see test_durability).

Usage: python tests/tickets/durability_writer.py <database url> <progress file>
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hotline.db import make_engine, make_session_factory  # noqa: E402
from hotline.tickets.deadlines import DeadlinePolicy  # noqa: E402
from hotline.tickets.notify import NullNotifier  # noqa: E402
from hotline.tickets.ratings import RatingService  # noqa: E402
from hotline.tickets.service import NewTicket, TicketService  # noqa: E402
from knowledge.corpus import load_knowledge_base  # noqa: E402


def main(url: str, progress: Path) -> None:
    directory = load_knowledge_base(Path(__file__).resolve().parents[2] / "knowledge" / "data").directory
    sessions = make_session_factory(make_engine(url))
    tickets = TicketService(sessions, lambda: directory, NullNotifier(),
                            DeadlinePolicy.from_config())
    ratings = RatingService(sessions, tickets)
    count = 0
    while True:
        session_id = f"web-durable-{count}"
        ticket = tickets.open(NewTicket(session_id, "web", "科技型中小企业评价入库怎么弄",
                                        "武汉某科技有限公司", "13912345678", "光谷"))
        tickets.act(ticket.id, "contact", "彭华魁")
        tickets.act(ticket.id, "resolve", "彭华魁", resolution="已指导")
        ratings.rate(session_id, 1 + count % 5, ticket_id=ticket.id)
        count += 1
        staged = progress.with_suffix(".next")  # replaced whole: a kill never leaves it empty
        staged.write_text(str(count))
        staged.replace(progress)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
