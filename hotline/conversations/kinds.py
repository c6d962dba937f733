"""Which logged turns are a problem: the one rule the problem list and its daily counts share."""

from __future__ import annotations

# Turn outcomes that are a reply in their own right; an nlu_fallback turn with any other
# outcome (e.g. "dialogue": Rasa had nothing to say) is a question nobody answered.
REPLIED = ("answered", "declined", "referred", "liaison", "registry", "smalltalk", "handoff",
           "status", "rated")
FALLBACK_INTENT = "nlu_fallback"


def problem_kind(intent: str | None, outcome: str, text: str) -> str | None:
    """``declined`` (the assistant declined), ``fallback`` (nobody understood or answered) or
    None. Button payloads (``/intent``) and blank texts are never problems."""
    if not text.strip() or text.startswith("/"):
        return None
    if outcome == "declined":
        return "declined"
    if intent == FALLBACK_INTENT and outcome not in REPLIED:
        return "fallback"
    return None
