"""Contact details in what an enterprise types: phone numbers and company names."""

from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—()（）+]")
_COMPANY = re.compile(
    r"([\u4e00-\u9fffA-Za-z0-9（）()·]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|"
    r"研究院|研究所|工作室|合伙企业|事务所|中心))")
_LEAD_IN = re.compile(r"^(我们?是|我们公司是|公司名?称?[是叫为:：]?|企业名?称?[是叫为:：]?|我是|我们|我司)")


def normalize_phone(text: str) -> str | None:
    """A mobile or landline number found in the text, digits only; None if there is none."""
    digits = _PHONE_SEPARATORS.sub("", text)
    digits = digits.removeprefix("86") if len(digits) == 13 else digits
    for pattern in (MOBILE, LANDLINE):
        match = re.search(rf"(?<!\d){pattern.pattern}(?!\d)", digits)
        if match:
            return match.group(0)
    return None


def clean_company(text: str) -> str | None:
    """A plausible company name (2–60 characters, not just digits or punctuation)."""
    name = re.split(r"[，,；;。\s]*(?:联系)?(?:电话|手机|tel|phone)", text, flags=re.I)[0]
    name = _PHONE_SEPARATORS.sub(" ", name)
    name = re.sub(r"\d{7,}", "", name).strip().strip("，。,.；;：:").strip()
    if not 2 <= len(name) <= 60 or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
        return None
    return name


def find_company(text: str) -> str | None:
    """A company name ending in 公司 / 研究院 … inside a longer message, if there is one."""
    for part in re.split(r"[，,；;。\s]+", text):
        match = _COMPANY.search(_LEAD_IN.sub("", part))
        if match:
            return match.group(1)
    return None
