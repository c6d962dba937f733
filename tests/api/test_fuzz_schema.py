"""Schemathesis over the whole OpenAPI schema: no input makes a 5xx (issue #10).

The app (direct mode, the session's shared runtime) is served by uvicorn on 127.0.0.1 only;
every operation of ``/openapi.json`` gets valid and invalid requests (the coverage phase's
boundary values, then a bounded number of generated ones, derandomized so every run sends the
same requests). Staff routes get an admin's bearer key; when ``POST /api/sessions`` exists,
well-formed ``session_id`` values are replaced with a credential it issued, so the requests
reach the code behind the session check. 401/403/404/409/422/429 are all fine: only a 5xx,
or a response that breaks the schema's declared shape, fails.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.main import create_app
from api.schemas import MAX_DB_ID
from api.supervisor import free_port, serve_in_thread
from hotline.security.accounts import create_staff

# ~20 operations × (coverage-phase cases + this many generated ones) stays near a minute here
MAX_EXAMPLES = 25
SESSION_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


@dataclass(frozen=True)
class FuzzTarget:
    """Where the app listens, and the credentials every case may use."""

    base_url: str
    staff_headers: dict[str, str]
    session_credential: str | None  # issued by POST /api/sessions, when the route exists


@pytest.fixture(scope="module")
def fuzz_target(runtime: Any, test_settings: Any) -> Iterator[FuzzTarget]:
    """The real app on a free port of 127.0.0.1, with rate limits off for the run."""
    throttle = getattr(runtime, "throttle", None)
    was_enabled = getattr(throttle, "enabled", None)
    if throttle is not None:
        throttle.enabled = False  # the fuzzer is a loop; 429s would hide the code behind them
    app = create_app(settings=test_settings, runtime=runtime)
    suffix = uuid.uuid4().hex[:6]
    _admin, admin_key = create_staff(runtime.sessions, f"fuzz-admin-{suffix}", "admin")
    create_staff(runtime.sessions, f"fuzz-staff-{suffix}", "staff")  # a second account exists
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    library = getattr(runtime, "library", None)
    synonyms = library.synonyms() if library is not None else None
    try:
        with serve_in_thread(app, port):
            issued = requests.post(f"{base_url}/api/sessions", timeout=10)
            credential = issued.json()["session_id"] if issued.status_code == 201 else None
            yield FuzzTarget(base_url, {"Authorization": f"Bearer {admin_key}"}, credential)
    finally:
        if throttle is not None:
            throttle.enabled = was_enabled
        if library is not None and synonyms is not None:
            _restore_synonyms(runtime, synonyms)


def _restore_synonyms(runtime: Any, synonyms: dict[str, str]) -> None:
    """Undo the synonyms the fuzzer added (they would change the shared runtime's tokenizer
    for every later test), then wait for the re-index that serves the original ones."""
    import time

    library = runtime.library
    for term, canonical in library.synonyms().items():
        if term not in synonyms:
            library.delete_synonym(term, "fuzz-cleanup")
        elif synonyms[term] != canonical:
            library.set_synonym(term, synonyms[term], "fuzz-cleanup")
    for term, canonical in synonyms.items():
        if term not in library.synonyms():
            library.set_synonym(term, canonical, "fuzz-cleanup")
    runtime.request_reindex("fuzz clean-up", "fuzz-cleanup")
    deadline = time.monotonic() + 180
    while runtime.knowledge.synonyms != synonyms and time.monotonic() < deadline:
        time.sleep(0.2)
    assert runtime.knowledge.synonyms == synonyms, "the fuzzer's synonyms were not undone"


def _load_schema() -> Any:
    """The app's own OpenAPI document (no runtime needed to render it), positive and
    negative generation, deterministic. Loaded at collection: schemathesis' lazy
    ``from_fixture`` does not run on this pytest."""
    from hotline.settings import Settings

    document = create_app(settings=Settings(RASA_URL="")).openapi()
    config = schemathesis.Config.from_dict({
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
    })
    return schemathesis.openapi.from_dict(document, config=config)


schema = _load_schema()


def _with_credential(case: Any, credential: str | None) -> None:
    """Well-formed session ids become a real credential; malformed ones stay as generated."""
    if credential is None:
        return
    for container in (case.body, case.query):
        if isinstance(container, dict) and isinstance(container.get("session_id"), str) \
                and SESSION_PATTERN.match(container["session_id"]):
            container["session_id"] = credential


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case: Any, fuzz_target: FuzzTarget) -> None:
    _with_credential(case, fuzz_target.session_credential)
    response = case.call(base_url=fuzz_target.base_url, headers=fuzz_target.staff_headers,
                         timeout=30)
    checks: list[schemathesis.CheckFunction] = [not_a_server_error]
    if response.status_code < 300:  # a success must have the declared shape too
        checks.append(response_schema_conformance)
    case.validate_response(response, checks=checks)


# Findings of the fuzz run, kept as plain regression tests (each was a 500 before).
@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/api/feedback", {"session_id": "s1", "turn_id": 2**64, "helpful": True}),
    ("post", "/api/feedback", {"session_id": "s1", "turn_id": MAX_DB_ID + 1, "helpful": True}),
    ("get", f"/api/staff/tickets?offset={2**63}", None),
    ("post", f"/api/staff/rectifications/{2**64}/callbacks", {"satisfied": True}),
    ("post", f"/api/staff/rectifications/{2**64}/close", {"outcome": "已整改"}),
    ("post", f"/api/staff/notifications/{2**64}/read", None),
    ("get", f"/api/staff/tickets/{'D' * 33}", None),
])
def test_out_of_range_numbers_and_ids_get_a_422(client: Any, runtime: Any, method: str,
                                                path: str, body: dict[str, Any] | None) -> None:
    _member, key = create_staff(runtime.sessions, f"fuzz-regress-{uuid.uuid4().hex[:6]}",
                                "admin")
    response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422, response.text
    assert response.json()["message"]
