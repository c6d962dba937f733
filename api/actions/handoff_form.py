"""validate_handoff_form: district (via the directory and its aliases), company, phone."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from api.services.runtime import Runtime

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—()（）+]")


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


class ValidateHandoffForm(FormValidationAction):
    """Checks each slot of ``handoff_form``; a rejected value is asked again with a reason."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "validate_handoff_form"

    def validate_district(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        directory = self._runtime.knowledge.directory
        text = str(value or "")
        liaison = directory.get(text) or directory.find_in_text(text)
        if liaison is None:
            return {"district": None, "handoff_error": "unknown_district"}
        return {"district": liaison.district, "handoff_error": None}

    def validate_company(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        name = clean_company(str(value or ""))
        if name is None:
            return {"company": None, "handoff_error": "invalid_company"}
        return {"company": name, "handoff_error": None}

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        phone = normalize_phone(str(value or ""))
        if phone is None:
            return {"phone": None, "handoff_error": "invalid_phone"}
        return {"phone": phone, "handoff_error": None}
