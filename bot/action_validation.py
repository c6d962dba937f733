"""Rasa validates every action server response against its JSON schema: once, not per call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result,
schema)``, which first checks the schema itself against the JSON Schema meta-schema and
builds a new validator, on every custom action call. Profiled under load
(``make bench ARGS=--profile``) that was 22 % of the Rasa server's time — more than NLU.
The schema is Rasa's constant (``RemoteAction.action_response_format_spec()``), so it is
checked once here and one validator is kept: the same responses pass, the same ones fail
with the same error message. bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

from typing import Any

_installed: dict[str, Any] = {}


def install() -> None:
    """Replace the per-call schema check with one cached validator (idempotent)."""
    if _installed:
        return
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call
    validator = validator_class(schema)
    original = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is None:  # as jsonschema.validate decides, with Rasa's own wording below
            return True
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions")
        raise error

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    _installed["original"] = original
