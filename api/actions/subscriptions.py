"""action_subscriptions: 订阅 / 退订 / 我订阅了什么 through Rasa.

The replies come from :class:`assistant.subscriptions.SubscriptionDesk`, which the direct
path uses too; the subscriber is ``tracker.sender_id`` — the verified session identity the
gateway sends — never a typed company name. The message's own words decide the intent
when they name one (as on the direct path), else NLU's intent.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.appointments import entity, utter_buttons
from api.actions.base import RuntimeAction, latest_intent, latest_text
from assistant.payloads import PAYLOAD_KEY
from assistant.subscriptions import INTENTS, SUBSCRIBE, SubscriptionDesk, subscription_intent

ACTION = "action_subscriptions"


def subscriptions_if_requested(text: str, intent: str | None) -> list[dict[str, Any]] | None:
    """Run the subscription business a message asks for in words the direct path
    recognises ("退订成果转化") when NLU said something else."""
    if intent in INTENTS or text.startswith("/") or subscription_intent(text) is None:
        return None
    return [FollowupAction(ACTION)]


class ActionSubscriptions(RuntimeAction):
    """Subscribe, unsubscribe (one topic or all) or list, for the conversation's identity."""

    def name(self) -> str:
        return ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        typed = "" if text.startswith("/") else text
        intent = (subscription_intent(typed) if typed else None) or latest_intent(tracker)
        if intent not in INTENTS:
            intent = SUBSCRIBE
        desk = SubscriptionDesk(self._runtime.subscriptions)
        reply = await run_in_threadpool(desk.respond, tracker.sender_id, intent, typed,
                                        entity(tracker, "topic"))
        utter_buttons(dispatcher, reply.text, reply.buttons)
        dispatcher.utter_message(json_message={PAYLOAD_KEY: {
            "intent": intent, "outcome": "subscriptions", "answer": None}})
        return [SlotSet("topic", None)]
