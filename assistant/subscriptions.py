"""Subscriptions in chat (订阅 / 退订 / 我订阅了什么), worded once for both paths: the Rasa
actions (api/actions/subscriptions.py) and the direct path (:class:`DirectSubscriptions`).

The subscriber is always the conversation's verified identity (its session id), never a
company name typed in the message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from assistant import appointments
from assistant.shapes import Button, DialogueTurn, Reply
from hotline.subscriptions.service import NotVerified, SubscriptionService
from hotline.subscriptions.topics import TOPICS, find_topic, topic_by_key
from knowledge.text import normalize_text

SUBSCRIBE, UNSUBSCRIBE, LIST = "subscribe", "unsubscribe", "list_subscriptions"
INTENTS = (SUBSCRIBE, UNSUBSCRIBE, LIST)
OUTCOME = "subscriptions"  # every turn of theirs is recorded with this outcome

NOT_VERIFIED = ("订阅需要先确认您的身份：请在鄂汇办App登录后打开“店小二”，或在微信公众号里给我发消息，"
                "再发送“订阅高企认定”这样的消息。我们只按您登录的身份发送通知，不按公司名称。")
ASK_TOPIC = "您想订阅哪类政策更新？点一下就好："
NONE_YET = "您还没有订阅任何政策更新。可以发送“订阅高企认定”，或点下面的主题："

_LIST = re.compile(r"订阅了(什么|哪些|啥|几个)|我的订阅|查看订阅|订阅列表|订阅的(主题|政策)")
_UNSUBSCRIBE = re.compile(r"退订|取消订阅|不再订阅|不要再(推送|发)|别再(推送|发)")
_SUBSCRIBE = re.compile(r"订阅|(有|出)了?新的?.{0,12}(政策|通知|消息|文件|动态).{0,6}"
                        r"(告诉|通知|推送|提醒|发)(给)?我|推送给我")
SUBSCRIPTION_INTENTS = frozenset({"subscribe", "unsubscribe", "list_subscriptions"})


def subscription_intent(text: str) -> str | None:
    """The subscription intent of a typed message (the direct path's rule), or None."""
    normalized = normalize_text(text)
    if _LIST.search(normalized):
        return LIST
    if _UNSUBSCRIBE.search(normalized):
        return UNSUBSCRIBE
    if _SUBSCRIBE.search(normalized):
        return SUBSCRIBE
    return None


def payload(intent: str, topic: str | None = None) -> str:
    """A button's message: ``/subscribe{"topic":"high_tech"}``."""
    return f"/{intent}" + (json.dumps({"topic": topic}, separators=(",", ":")) if topic else "")


def read_payload(text: str) -> tuple[str, str | None] | None:
    """(intent, topic) of a subscription button, or None for anything else."""
    button = appointments.read_payload(text)  # the one reader of ``/intent{…}`` payloads
    if button is None or button.intent not in SUBSCRIPTION_INTENTS:
        return None
    return button.intent, button.entities.get("topic") or None


def topic_buttons(intent: str = SUBSCRIBE, keys: list[str] | None = None) -> list[tuple[str, str]]:
    prefix = "退订" if intent == UNSUBSCRIBE else ""
    return [(prefix + topic.name, payload(intent, topic.key)) for topic in TOPICS
            if keys is None or topic.key in keys]


@dataclass(frozen=True, slots=True)
class DeskReply:
    """One reply: its text and buttons (title, payload)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def turn(self, intent: str) -> DialogueTurn:
        return DialogueTurn(replies=[Reply(text=self.text, buttons=[
            Button(title=t, payload=p) for t, p in self.buttons])], intent=intent,
            outcome=OUTCOME)


class SubscriptionDesk:
    """What the assistant answers to subscription messages, deciding alike on both paths."""

    def __init__(self, service: SubscriptionService) -> None:
        self.service = service

    @staticmethod
    def topic_of(text: str, entity: str | None = None) -> str | None:
        """The topic key a message (or its ``topic`` entity / button) names."""
        for candidate in (entity, text):
            if candidate and (topic := topic_by_key(candidate) or find_topic(candidate)):
                return topic.key
        return None

    def respond(self, session_id: str, intent: str, text: str,
                entity: str | None = None) -> DeskReply:
        """The reply to a subscription message of ``intent``."""
        try:
            self.service.identity(session_id)
        except NotVerified:
            return DeskReply(NOT_VERIFIED)
        topic = self.topic_of(text, entity)
        if intent == LIST:
            return self.mine(session_id)
        if intent == UNSUBSCRIBE:
            return self.unsubscribe(session_id, topic)
        return self.subscribe(session_id, topic)

    def subscribe(self, session_id: str, topic: str | None) -> DeskReply:
        if topic is None:
            return DeskReply(ASK_TOPIC, topic_buttons())
        name = TOPICS_BY_KEY[topic]
        added = self.service.subscribe(session_id, topic)
        cap = self.service.weekly_cap
        if not added:
            return DeskReply(f"您已经订阅了“{name}”，有新政策发布时会通知您。"
                             f"发送“退订{name}”可退订。")
        return DeskReply(f"已为您订阅“{name}”。有相关政策文件或问答发布时，我会发一条简短通知给您"
                         f"（每周最多{cap}条，无事不扰）。发送“退订{name}”可随时退订，"
                         "发送“我订阅了什么”可查看。")

    def unsubscribe(self, session_id: str, topic: str | None) -> DeskReply:
        dropped = self.service.unsubscribe(session_id, topic)
        if topic is not None:
            name = TOPICS_BY_KEY[topic]
            if not dropped:
                return DeskReply(f"您没有订阅“{name}”，无需退订。")
            rest = self.service.topics_of(session_id)
            tail = f"您仍订阅着：{'、'.join(TOPICS_BY_KEY[k] for k in rest)}。" if rest else ""
            return DeskReply(f"已退订“{name}”，不会再收到这类通知。{tail}")
        if not dropped:
            return DeskReply("您目前没有订阅任何政策更新，不会收到推送。")
        names = "、".join(TOPICS_BY_KEY[k] for k in dropped)
        return DeskReply(f"已为您退订全部政策更新（{names}），之后不会再收到推送。")

    def mine(self, session_id: str) -> DeskReply:
        keys = self.service.topics_of(session_id)
        if not keys:
            return DeskReply(NONE_YET, topic_buttons())
        names = "、".join(TOPICS_BY_KEY[k] for k in keys)
        return DeskReply(f"您订阅了：{names}。有新政策发布时会通知您（每周最多"
                         f"{self.service.weekly_cap}条）。发送“退订”可全部退订。",
                         topic_buttons(UNSUBSCRIBE, keys))


TOPICS_BY_KEY = {topic.key: topic.name for topic in TOPICS}


class DirectSubscriptions:
    """The direct path (degraded mode): None means "not mine, answer normally"."""

    def __init__(self, desk: SubscriptionDesk) -> None:
        self.desk = desk

    def respond(self, session_id: str, text: str) -> DialogueTurn | None:
        button = read_payload(text)
        if button is not None:
            intent, topic = button
            return self.desk.respond(session_id, intent, "", topic).turn(intent)
        typed = subscription_intent(text)
        if typed is None:
            return None
        return self.desk.respond(session_id, typed, text).turn(typed)
