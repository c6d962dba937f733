"""action_answer_from_knowledge: answer, refer or decline from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from api.actions.appointments import booking_if_requested
from api.actions.base import RuntimeAction, latest_intent, latest_text
from api.actions.payloads import utter_turn
from api.actions.routing import handoff_if_requested
from api.actions.subscriptions import subscriptions_if_requested
from assistant.assistant import AssistantTurn


class ActionAnswerFromKnowledge(RuntimeAction):
    """Answer the latest message from the knowledge base (or the directory, for a liaison
    question); never present a weak match."""

    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        if handoff := handoff_if_requested(self._runtime, text, latest_intent(tracker)):
            return handoff  # "怎么才能跟真人说上话" read as a policy question
        if booking := booking_if_requested(text, latest_intent(tracker)):
            return booking  # "我要预约明天上午" read as a policy question
        if subscribed := subscriptions_if_requested(text, latest_intent(tracker)):
            return subscribed  # "有新的项目申报通知告诉我" read as a policy question
        turn = await run_in_threadpool(self._turn, text)
        utter_turn(dispatcher, turn)
        return []

    def _turn(self, text: str) -> AssistantTurn:
        # A liaison or leader question that NLU read as a policy question ("江汉区 负责部门
        # 是哪个") is answered from the directory, a registry look-up ("GR202342001234
        # 还有效吗") from the registries, as the direct path does.
        assistant = self._runtime.assistant()
        return assistant.liaison_first(text) or assistant.registry(text) or \
            assistant.policy(text)
