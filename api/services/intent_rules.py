"""Keyword rules for the few intents the direct (degraded) mode must recognise without Rasa."""

from __future__ import annotations

import re

from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

_GREETING = re.compile(r"^(你好|您好|hi|hello|哈喽|嗨|在吗|在不在|有人吗|早上好|下午好|晚上好)[!！。.,，?？\s]*$")
_THANKS = re.compile(r"^(谢谢|多谢|感谢|谢了|thanks|thank you|好的谢谢|ok谢谢)[^?？]{0,6}$")
_GOODBYE = re.compile(r"^(再见|拜拜|bye|好的再见|没事了|没有了)[!！。.,，\s]*$")
_HUMAN = re.compile(r"(转人工|人工客服|人工服务|找人工|真人|人工|接线员|客服人员|找个人)")
_LIAISON = re.compile(
    r"(找谁|联系谁|问谁|谁负责|谁管|归谁|哪个处|对接人|联系人|联络人|负责人|负责领导|"
    r"包区|对口|联系方式|找哪个|哪位|找哪位|谁对接|怎么联系|责任领导|责任部门)")
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


def wants_human(text: str) -> bool:
    """The enterprise asks for a person."""
    return text.strip() == "/request_human" or bool(_HUMAN.search(normalize_text(text)))


def asks_for_liaison(text: str, directory: LiaisonDirectory) -> bool:
    """Asks who serves a district, or names only a place."""
    normalized = normalize_text(text)
    if _LIAISON.search(normalized):
        return True
    found = directory.find_all_in_text(normalized)
    if not found:
        return False
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
