"""validate_handoff_form: district (via the directory and its aliases), company, phone."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from api.runtime import Runtime
from assistant.contact_info import clean_company, normalize_phone

__all__ = ["ValidateHandoffForm", "clean_company", "normalize_phone"]

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
