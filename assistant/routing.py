"""Answer first: a question the knowledge base answers with confidence gets its answer,
whatever dialogue intent NLU guessed for it.

NLU mistakes a question for small talk more often than the knowledge base mistakes small
talk for a question: "窗口能提前预约吗" may come out as goodbye, "差评怎么给" as a rating,
"审批太慢了能不能快点" as a complaint. So for the intents whose own handling gives no
answer, a message that carries a question is searched first and answered when retrieval is
confident; a bare 再见 / 谢谢 / 满意 never is. A request for a person is never answered from
the knowledge base — only from the directory, when it merely asks who serves a named place
("青山区 contact person").
The Rasa actions (``action_answer_first`` and the liaison / rating / ticket-status actions)
and the direct path call the same :meth:`DirectAssistant.answer_first
<assistant.assistant.DirectAssistant.answer_first>`, which applies the rules here, so
both paths decide alike.
"""

from __future__ import annotations

import re

from knowledge.text import normalize_text

# Intents whose own handling gives no answer from the knowledge base.
OVERRIDABLE_INTENTS = frozenset({"greet", "goodbye", "thanks", "bot_challenge", "complain",
                                 "provide_info", "ask_liaison", "rate_service",
                                 "ask_ticket_status"})
# These are only searched when the message asks something: a pure complaint wants a
# person, a rating with a comment is a rating, a long thank-you is a thank-you.
_NEEDS_QUESTION_CUE = frozenset({"complain", "rate_service", "greet", "goodbye", "thanks"})

# Words that carry no question: greetings, thanks, farewells, ratings, fillers.
_DIALOGUE_WORDS = re.compile(
    r"你好|您好|哈喽|在吗|在不在|有人吗|谢谢|多谢|感谢|辛苦了|再见|拜拜|好的|好吧|嗯+|哦+|"
    r"没事了|没有了|就这些|满意|不满意|非常|一般|五星|四星|三星|两星|一星|"
    r"机器人|店小二|小二|麻烦|请问|您|你|我们|我|啊|呀|吧|呢|哈|了|的")
_QUESTION_CUE = re.compile(
    r"[?？]|吗|么|怎么|怎样|如何|哪|什么|啥|多久|多长|几|是否|能不能|能否|可不可以|可以|"
    r"有没有|有无|要不要|需不需要|会不会|是不是|还是|为什么|为啥|\b(how|what|when|where|can)\b")
MIN_CONTENT_CHARS = 5


def carries_question(text: str, intent: str | None = None) -> bool:
    """Whether a message says enough to be a question (not a button payload or small talk)."""
    normalized = normalize_text(text)
    if not normalized or normalized.startswith("/"):
        return False
    content = re.sub(r"[\W_]", "", _DIALOGUE_WORDS.sub("", normalized))
    if len(content) < MIN_CONTENT_CHARS:
        return False
    return intent not in _NEEDS_QUESTION_CUE or bool(_QUESTION_CUE.search(normalized))


def may_answer_first(text: str, intent: str | None) -> bool:
    """Whether a message with this NLU intent is searched before the intent is handled."""
    return intent in OVERRIDABLE_INTENTS and carries_question(text, intent)
