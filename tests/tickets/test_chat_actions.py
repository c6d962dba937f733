"""The ticket actions Rasa calls, with real trackers and a CollectingDispatcher."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from api.actions.tickets import ActionAskRating, ActionRateService, ActionTicketStatus
from hotline.tickets.service import NewTicket


def tracker(sender: str, text: str, slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker(sender, slots or {}, {"text": text, "intent": {"name": "x"},
                                         "metadata": {"channel": "web"}},
                   [], False, None, {}, "action_listen")


def run(action, sender: str, text: str, **slots: Any) -> tuple[list, CollectingDispatcher]:  # type: ignore[no-untyped-def, type-arg]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(sender, text, slots), {}))
    return events, dispatcher


def payload(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    (found,) = [m["custom"]["dxe"] for m in dispatcher.messages if m.get("custom")]
    return found  # type: ignore[no-any-return]


def resolved_ticket(runtime, sender: str) -> str:  # type: ignore[no-untyped-def]
    ticket = runtime.tickets.open(NewTicket(sender, "web", "科技成果转化奖励怎么申请",
                                            "武汉某某科技有限公司",
                                            f"136{abs(hash(sender)) % 10**8:08d}", "车谷"))
    runtime.tickets.act(ticket.id, "contact", "程乐学")
    runtime.tickets.act(ticket.id, "resolve", "程乐学", resolution="已电话说明")
    return ticket.id  # type: ignore[no-any-return]


def test_status_lists_tickets_and_asks_for_a_pending_rating(runtime) -> None:  # type: ignore[no-untyped-def]
    _, empty = run(ActionTicketStatus(runtime), "web-act-0", "我的工单进度")
    assert "还没有工单" in empty.messages[0]["text"] and payload(empty)["tickets"] == []
    ticket_id = resolved_ticket(runtime, "web-act-1")
    other = runtime.tickets.open(NewTicket("web-act-1", "web", "另一件事", None, None, None))
    _, only = run(ActionTicketStatus(runtime), "web-act-1", f"{ticket_id} 进度咋样",
                  ticket_id=ticket_id)
    assert [c["ticket_id"] for c in payload(only)["tickets"]] == [ticket_id]
    events, dispatcher = run(ActionTicketStatus(runtime), "web-act-1", "工单到哪了")
    assert events == [SlotSet("ticket_id", None)]
    assert {c["ticket_id"] for c in payload(dispatcher)["tickets"]} == {ticket_id, other.id}
    cards = [c for c in payload(dispatcher)["tickets"] if c["ticket_id"] == ticket_id]
    assert cards[0]["status_label"] == "已办结，待评价" and cards[0]["owner"] == "程乐学"
    assert payload(dispatcher)["rating"]["ticket_id"] == ticket_id
    buttons = dispatcher.messages[1]["buttons"]
    assert buttons[0] == {"title": "非常满意",
                          "payload": f'/rate_service{{"rating":"5","ticket_id":"{ticket_id}"}}'}


def test_rating_action_rates_the_pending_ticket_then_refuses_a_second(runtime) -> None:  # type: ignore[no-untyped-def]
    ticket_id = resolved_ticket(runtime, "web-act-2")
    events, dispatcher = run(ActionRateService(runtime), "web-act-2", "满意", rating="4")
    assert SlotSet("rating", None) in events and SlotSet("ticket_id", None) in events
    assert "满意" in dispatcher.messages[0]["text"]
    assert runtime.tickets.get(ticket_id).status == "rated"
    _, again = run(ActionRateService(runtime), "web-act-2", "满意", rating="4")
    # the ticket is rated (一事一评); with no conversation turns there is nothing else to rate
    assert "还没有可以评价的对话" in again.messages[0]["text"]


def test_poor_rating_promises_a_call_back(runtime) -> None:  # type: ignore[no-untyped-def]
    resolved_ticket(runtime, "web-act-3")
    _, dispatcher = run(ActionRateService(runtime), "web-act-3", "太差了，一直没人理", rating="1")
    assert "回访" in dispatcher.messages[0]["text"]


def test_unreadable_rating_asks_again_with_buttons(runtime) -> None:  # type: ignore[no-untyped-def]
    _, dispatcher = run(ActionRateService(runtime), "web-act-4", "打分", rating="十分")
    assert len(dispatcher.messages[0]["buttons"]) == 5


def test_ask_rating_once_per_conversation(runtime) -> None:  # type: ignore[no-untyped-def]
    sender = "web-act-5"
    _, nothing = run(ActionAskRating(runtime), sender, "再见")
    assert nothing.messages == []  # nothing said yet: nothing to rate
    runtime.conversation_log.record(session_id=sender, channel="web", text="高企 网上能办不",
                                    intent="ask_policy", outcome="answered", confidence=0.9,
                                    top_doc_id=None, top_section=None)
    _, asked = run(ActionAskRating(runtime), sender, "再见")
    assert payload(asked)["rating"] == {"ticket_id": None, "levels": [
        {"value": 5, "label": "非常满意"}, {"value": 4, "label": "满意"},
        {"value": 3, "label": "基本满意"}, {"value": 2, "label": "不满意"},
        {"value": 1, "label": "非常不满意"}]}
    runtime.ratings.rate(sender, 5)
    _, silent = run(ActionAskRating(runtime), sender, "再见")
    assert silent.messages == []  # 一次一评: already rated
