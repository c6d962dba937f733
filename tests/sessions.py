"""Session credentials in tests: issued by the API, as the page gets them, or for an id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.security.sessions import SessionIssuer

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TEST_SESSION_SECRET = "test-session-secret-0123456789"  # tests/conftest.py's test_settings


def issued(session_id: str) -> str:
    """The credential the shared test runtime issues for an internal id."""
    return SessionIssuer(TEST_SESSION_SECRET).issue(session_id).credential


def new_session(client: TestClient) -> str:
    """A fresh credential from ``POST /api/sessions`` (what the H5 page does)."""
    response = client.post("/api/sessions")
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def credential_for(runtime: Any, session_id: str) -> str:
    """The credential of an internal id (``web:…``), for tickets a test opened directly."""
    return str(runtime.session_issuer.issue(session_id).credential)


def internal_id(runtime: Any, credential: str) -> str:
    """The internal id (as stored in tickets and turns) a credential stands for."""
    return str(runtime.session_issuer.verify(credential).session_id)
