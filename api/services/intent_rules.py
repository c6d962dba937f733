"""Keyword rules for the few intents the direct (degraded) mode must recognise without Rasa."""

from __future__ import annotations

import re

from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

_GREETING = re.compile(r"^(你好|您好|hi|hello|哈喽|嗨|在吗|在不在|有人吗|早上好|下午好|晚上好)[!！。.,，?？\s]*$")
_THANKS = re.compile(r"^(谢谢|多谢|感谢|谢了|thanks|thank you|好的谢谢|ok谢谢)[^?？]{0,6}$")
_GOODBYE = re.compile(r"^(再见|拜拜|bye|好的再见|没事了|没有了)[!！。.,，\s]*$")
_BOT_CHALLENGE = re.compile(r"(机器人|真人还是|是人还是|是不是人工智能|是ai吗|are you a (bot|robot|human))")
_HUMAN = re.compile(r"(转人工|人工客服|人工服务|找人工|真人|人工|接线员|客服人员|找个人)")
# Asking for a person to contact; with a place named this is a liaison question.
_WHO = re.compile(
    r"(谁|哪个处|哪个领导|哪个部门|哪位|对接|联系人|联络人|负责人|负责领导|包区|对口|"
    r"联系方式|找哪个|怎么联系|责任领导|责任部门|contact|liaison|in charge|who)")
# Specific to the bureau's district service: a liaison question even without a place.
_BUREAU_LIAISON = re.compile(r"(包区|对接人|联系人|联络人|责任领导|责任部门|liaison)")
_LEADER_QUESTION = re.compile(r"(负责|分管|包|联系|管)")


def is_greeting(text: str) -> bool:
    """A bare greeting."""
    return bool(_GREETING.match(normalize_text(text)))


def is_thanks(text: str) -> bool:
    """A thank-you."""
    return bool(_THANKS.match(normalize_text(text)))


def is_goodbye(text: str) -> bool:
    """A farewell."""
    return bool(_GOODBYE.match(normalize_text(text)))


def is_bot_challenge(text: str) -> bool:
    """Asks whether it is talking to a machine."""
    return bool(_BOT_CHALLENGE.search(normalize_text(text)))


def wants_human(text: str) -> bool:
    """The enterprise asks for a person."""
    return text.strip() == "/request_human" or bool(_HUMAN.search(normalize_text(text)))


def asks_for_liaison(text: str, directory: LiaisonDirectory) -> bool:
    """Asks who serves a district, names only a place, or asks for the bureau's liaison."""
    normalized = normalize_text(text)
    found = directory.find_all_in_text(normalized)
    if not found:
        return bool(_BUREAU_LIAISON.search(normalized))
    if _WHO.search(normalized):
        return True
    # A bare place name ("光谷" / "我们在车谷") is a liaison question too.
    rest = normalized
    for liaison in found:
        for name in liaison.names:
            rest = rest.replace(normalize_text(name), "")
    return len(re.sub(r"[\W_]|我们|我|在|的|企业|公司|这边|那边|是|呢|区", "", rest)) == 0


def asks_about_leader(text: str, directory: LiaisonDirectory) -> str | None:
    """The leader a message asks about ("胡军副局长负责哪些区？")."""
    leader = directory.find_leader_in_text(text)
    if leader and _LEADER_QUESTION.search(normalize_text(text)):
        return leader
    return None
