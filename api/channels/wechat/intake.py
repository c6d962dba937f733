"""What each kind of inbound message or event asks of the assistant."""

from __future__ import annotations

from dataclasses import dataclass

from wechatpy.messages import BaseMessage

from api.channels.wechat.quota import AFTER_EVENT, AFTER_MESSAGE

WELCOME = (
    "您好，欢迎关注！我是武汉市科技局“店小二”智能助手，可以帮您：\n"
    "· 查科技政策和办事指南（如高企认定、外国人来华工作许可、孵化器），回答会注明政策出处；\n"
    "· 找您所在区的包区联系人（发区名就行，如“光谷”“江夏区”）；\n"
    "· 转人工登记问题、查工单进度、评价服务。\n"
    "直接用文字发问题给我吧。")
UNSUPPORTED = ("抱歉，我暂时只能看懂文字消息。请用文字把问题发给我，"
               "比如“高企认定需要什么条件”，或回复“转人工”。")

# Menu buttons of type "click": their key → what the user is taken to have said.
# ``ASK:<text>`` asks that text; any other key shows the welcome.
MENU_TEXTS = {"HUMAN": "转人工", "TICKETS": "查询我的工单进度"}
ASK_PREFIX = "ASK:"
_EVENTS_WITH_ALLOWANCE = {"subscribe", "subscribe_scan", "scan", "click"}


@dataclass(frozen=True, slots=True)
class Intake:
    """Either a text for the dialogue, or a fixed reply (None: reply nothing)."""

    text: str | None = None
    reply: str | None = None
    allowance: tuple[int, int] | None = None  # customer-service messages this interaction allows


def interpret(message: BaseMessage) -> Intake:
    """Text (and recognised speech) goes to the dialogue; events get fixed replies."""
    raw_type = str(getattr(message, "_data", {}).get("MsgType") or "").lower()
    if message.type == "event" or raw_type == "event":  # unknown events parse as "unknown"
        return _event(message)
    if message.type == "text" and (message.content or "").strip():
        return Intake(text=message.content.strip(), allowance=AFTER_MESSAGE)
    if message.type == "voice" and (getattr(message, "recognition", None) or "").strip():
        return Intake(text=message.recognition.strip(), allowance=AFTER_MESSAGE)
    return Intake(reply=UNSUPPORTED, allowance=AFTER_MESSAGE)


def _event(message: BaseMessage) -> Intake:
    event = (getattr(message, "event", "") or "").lower()
    allowance = AFTER_EVENT if event in _EVENTS_WITH_ALLOWANCE else None
    if event in ("subscribe", "subscribe_scan"):
        return Intake(reply=WELCOME, allowance=allowance)
    if event == "click":
        key = (getattr(message, "key", "") or "").strip()
        if key.startswith(ASK_PREFIX) and key[len(ASK_PREFIX):].strip():
            return Intake(text=key[len(ASK_PREFIX):].strip(), allowance=allowance)
        if key in MENU_TEXTS:
            return Intake(text=MENU_TEXTS[key], allowance=allowance)
        return Intake(reply=WELCOME, allowance=allowance)
    return Intake(allowance=allowance)  # unsubscribe, view, location …: nothing to say
