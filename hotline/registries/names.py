"""What counts as the same company: the rule behind every company-name look-up.

A name's **key** is its normalised form (``knowledge.text.normalize_text``: traditional →
simplified, full-width → half-width, lower case) without spaces and punctuation, without a
leading 湖北(省) / 武汉(市) / 中国, a bracketed （武汉） / （湖北）, and the legal form at the
end (股份有限公司, 有限责任公司, 有限公司, 集团, 公司 …). Two names are the same company
when their keys are equal: 武汉光谷芯材科技有限公司 = 光谷芯材科技股份有限公司 =
武漢光谷芯材科技有限責任公司.

The **distinctive part** is the key without the industry words at its end (科技, 技术,
生物, 光电 …): 光谷芯材科技 → 光谷芯材. It finds candidates; a name that is only the
distinctive part plus industry words of one registered company (光谷芯材 for 光谷芯材科技,
when no other registered company starts so) is that company too (see ``matching``).
"""

from __future__ import annotations

import re

from knowledge.text import normalize_text

_PUNCT = re.compile(r"[\s\W_]+")
_REGION_PREFIXES = ("湖北省", "湖北", "武汉市", "武汉", "中国")
_REGION_BRACKETS = re.compile(r"[(（](湖北省?|武汉市?|中国)[)）]")
LEGAL_FORMS = ("集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司",
               "股份公司", "集团公司", "集团", "公司")
INDUSTRY_WORDS = (
    "信息技术", "科学技术", "生物医药", "生物科技", "光电子", "新材料", "新能源", "自动化",
    "科技", "技术", "信息", "网络", "电子", "软件", "生物", "医药", "医疗", "器械", "智能",
    "材料", "光电", "工程", "实业", "发展", "数字", "数据", "环保", "能源", "制造", "设备",
    "机械", "控制", "系统", "咨询", "服务", "产业", "创新", "研究院", "研究所")


def _strip_prefixes(text: str, words: tuple[str, ...]) -> str:
    """``text`` without any of ``words`` at its start, repeatedly (never to nothing)."""
    while word := next((w for w in words if text.startswith(w) and len(text) > len(w)), None):
        text = text[len(word):]
    return text


def _strip_suffixes(text: str, words: tuple[str, ...]) -> str:
    """``text`` without any of ``words`` at its end, repeatedly (never to nothing)."""
    while word := next((w for w in words if text.endswith(w) and len(text) > len(w)), None):
        text = text[:-len(word)]
    return text


def company_key(name: str) -> str:
    """The key two names of one company share ("" for a name that is only a legal form)."""
    text = _REGION_BRACKETS.sub("", normalize_text(name))
    text = _strip_prefixes(_PUNCT.sub("", text), _REGION_PREFIXES)
    return "" if text in LEGAL_FORMS else _strip_suffixes(text, LEGAL_FORMS)


def distinctive_part(key: str) -> str:
    """A key without its trailing industry words (光谷芯材生物科技 → 光谷芯材); never empty
    for a non-empty key."""
    return _strip_suffixes(key, INDUSTRY_WORDS)


def only_industry_words(text: str) -> bool:
    """Whether ``text`` is made of industry words only ("" is)."""
    while text:
        word = next((w for w in INDUSTRY_WORDS if text.startswith(w)), None)
        if word is None:
            return False
        text = text[len(word):]
    return True
