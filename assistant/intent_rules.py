"""Keyword rules for the few intents the direct (degraded) mode must recognise without Rasa."""

from __future__ import annotations

import re

from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

_GREETING = re.compile(r"^(你好|您好|hi|hello|哈喽|嗨|在吗|在不在|有人吗|早上好|下午好|晚上好)[!！。.,，?？\s]*$")
_THANKS = re.compile(r"^(谢谢|多谢|感谢|谢了|thanks|thank you|好的谢谢|ok谢谢)[^?？]{0,6}$")
_GOODBYE = re.compile(r"^(再见|拜拜|bye|好的再见|没事了|没有了)[!！。.,，\s]*$")
_BOT_CHALLENGE = re.compile(r"(机器人|真人还是|是人还是|是真人吗|是不是真人|是不是人工智能|是ai吗|"
                            r"are you a (bot|robot|human))")
# Asking for a person: 转人工 and its typos, 客服, a call back, staff to talk to. 人工 / 真人
# ask for a person only as a request ("要人工", "人工客服", a bare "人工") — not inside a
# word (人工智能, 人工审核, 人工关节, 真人数字人 are subjects of policy questions).
_PERSON = r"(人工|真人|活人)"
# … ending there, or going on with what one does with a person (人工客服, 真人聊, 人工吧).
_PERSON_END = (rf"{_PERSON}(?=$|[\W_]|客服|服务|坐席|帮|处理|回复|在线|在|呢|吧|吗|谢谢|了|啊|呀|来|"
               r"说|聊|沟通|对话|接待|解答)")
_HUMAN = re.compile(
    r"([转专砖]人[工公共宫]|rengong|接线员|客服人员|找个人|"
    rf"(转接?|要|找|接|请|求|需要|换|叫|联系|有没有)(一下)?个?{_PERSON_END}|"
    rf"{_PERSON}(客服|服务|坐席|接待|帮助|帮忙|处理|回复|在线|在吗|在不在|呢|吧|吗)|"
    rf"^({_PERSON}|\W|\s)+$|(跟|和|同|与){_PERSON}|"
    r"(找|联系|转|要)客服|客服(在吗|在不在|呢)|^客服\W*$|"
    r"(你|机器人).{0,4}(答不了|回答不了|解决不了|搞不定|听不懂)|"
    r"(让|请|叫|安排|约).{0,8}(联系我|打给我|回电|打个?电话|电话沟通|工作人员|老师|负责人|经办人)|"
    r"(回|打)个?电话给我|电话(给我|联系我|沟通)|回个?电话|"
    r"找.{0,6}(工作人员|负责人|负责的人|负责同志|经办人)|"
    r"\b(human|real person|agent|operator|someone)\b|call me)")
# "你是真人吗" asks what the assistant is; it is not a request for a person.
_ASKS_IDENTITY = re.compile(r"(是不是|是)(真人|机器人|人工智能|ai)|真人还是|是人还是|are you a")
# Asking for a person to contact; with a place named this is a liaison question.
_WHO = re.compile(
    r"(谁|哪个处|哪个领导|哪个部门|哪位|对接|联系人|联络人|负责人|负责领导|包区|对口|部门|处室|"
    r"领导|联系方式|找哪个|怎么联系|责任领导|责任部门|contact|liaison|in charge|who)")
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
    """The enterprise asks for a person (not merely whether it is talking to one)."""
    if text.strip() == "/request_human":
        return True
    normalized = normalize_text(text)
    if not _HUMAN.search(normalized):
        return False
    return not (_ASKS_IDENTITY.search(normalized) and "转人" not in normalized)


# "…的联系人是谁" asks who serves a place; "帮我联系…" / "转人工" asks to be put through.
_WHO_QUESTION = re.compile(r"(谁|哪位|哪个|是哪|什么人|叫什么|contact person|liaison|who)")
_PUT_THROUGH = re.compile(r"(转人|人工|客服|真人|回电|回个电话|打电话|联系我|human|call me)")


def asks_who_serves(text: str, directory: LiaisonDirectory) -> bool:
    """Names a place and asks who serves it, without asking to be put through to a person."""
    normalized = normalize_text(text)
    named = bool(directory.find_all_in_text(normalized)) or \
        directory.heard_in_text(normalized) is not None
    return named and bool(_WHO_QUESTION.search(normalized)) and not _PUT_THROUGH.search(normalized)


def requests_person(text: str, directory: LiaisonDirectory) -> bool:
    """Asks for a person — and not merely who the liaison of a named place is."""
    return wants_human(text) and not asks_who_serves(text, directory)


_TICKET_WORDS = re.compile(r"工单|DXE\d|ticket|反映的|提交的|登记的|转人工|留言", re.IGNORECASE)


def mentions_tickets(text: str) -> bool:
    """Names the hotline's tickets (工单, a ticket number), not some other application."""
    return bool(_TICKET_WORDS.search(text))


def mentions_liaison(text: str) -> bool:
    """Asks about the bureau's district service itself (联系人, 包区, 责任领导 …)."""
    return bool(_BUREAU_LIAISON.search(normalize_text(text)))


def asks_for_liaison(text: str, directory: LiaisonDirectory) -> bool:
    """Asks who serves a district, names only a place, or asks for the bureau's liaison."""
    normalized = normalize_text(text)
    found = directory.find_all_in_text(normalized)
    if not found:
        if _BUREAU_LIAISON.search(normalized):
            return True
        # "红山区找谁": a place written as a homophone, in a question about who serves it
        return bool(_WHO.search(normalized)) and directory.heard_in_text(normalized) is not None
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
