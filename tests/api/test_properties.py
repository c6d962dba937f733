"""Hypothesis properties of the chat contract (issue #10): whatever the text, never a 5xx.

Any unicode text (control characters, emoji, right-to-left, full-width, whitespace only,
longer than allowed) posted to ``/api/chat`` in direct mode gets either a 200 with at least
one reply or a 422 with a ``message``; the same holds for raw JSON bodies that smuggle lone
surrogates or NUL escapes past a JSON encoder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas import MAX_TEXT_CHARS

PROPERTY = settings(derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))

# Characters a phone keyboard, a paste or a hostile client may produce (no lone surrogates:
# a JSON encoder cannot send them; the raw-body test below does).
ANY_CHAR = st.characters(codec="utf-8")  # everything but surrogates
SPECIAL = st.sampled_from([
    " ", "\t", "\n", "\r", "\u3000", "\u00a0", "\u200b", "\ufeff", "\u202e", "\u200f",  # spaces, RTL
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028",  # control and separator characters
    "🙂", "👨‍👩‍👧", "🇨🇳", "\U0001f9d1\u200d\U0001f4bb",  # emoji, ZWJ sequences, flags
    "ｈｅｌｌｏ", "ＡＢＣ１２３", "，。？！",  # full-width
    "مرحبا", "שלום",  # right-to-left scripts
    "高企认定", "光谷的企业找谁？", "转人工", "/request_human", "<script>", "'; DROP TABLE",
])
TEXTS = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.lists(SPECIAL, max_size=20).map("".join),
    st.lists(st.one_of(SPECIAL, st.text(ANY_CHAR, max_size=5)), max_size=30).map("".join),
    st.text(st.sampled_from(" \t\n\r\u3000\u00a0"), min_size=1, max_size=30),  # blank
    st.integers(MAX_TEXT_CHARS - 2, MAX_TEXT_CHARS + 5).map(lambda n: "高" * n),  # the limit
    st.builds(lambda s, n: (s * n)[:3000], st.text(ANY_CHAR, min_size=1, max_size=8),
              st.integers(100, 1000)),  # very long
)


@pytest.fixture
def credential(client: TestClient, runtime: Any) -> Iterator[str]:
    """A session credential (``POST /api/sessions`` when it exists), rate limits off."""
    throttle = getattr(runtime, "throttle", None)
    was = getattr(throttle, "enabled", None)
    if throttle is not None:
        throttle.enabled = False  # hypothesis sends faster than any person
    issued = client.post("/api/sessions")
    try:
        yield issued.json()["session_id"] if issued.status_code == 201 else "prop-session"
    finally:
        if throttle is not None:
            throttle.enabled = was


def _answered_or_refused(response: Any) -> None:
    assert response.status_code in (200, 422), (response.status_code, response.text)
    body = response.json()
    if response.status_code == 200:
        assert body["replies"] and all(isinstance(r["text"], str) for r in body["replies"])
    else:
        assert isinstance(body["message"], str) and body["message"]


def test_any_text_is_answered_or_refused_clearly(client: TestClient, credential: str) -> None:
    @settings(PROPERTY, max_examples=60)
    @given(text=TEXTS)
    def check(text: str) -> None:
        response = client.post("/api/chat", json={"session_id": credential, "text": text})
        _answered_or_refused(response)

    check()


def test_raw_json_escapes_are_answered_or_refused(client: TestClient, credential: str) -> None:
    # \ud800 alone is valid JSON but no valid str for a database driver to encode
    escapes = st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\u001b",
                               "\\ud83d\\ude42", "\\u202e", "\\uffff", "\\ufffe"])

    @settings(PROPERTY, max_examples=40)
    @given(parts=st.lists(st.one_of(escapes, st.sampled_from(["高企", " ", "a"])), min_size=1,
                          max_size=8))
    def check(parts: list[str]) -> None:
        text = "".join(parts)
        body = f'{{"session_id": {json.dumps(credential)}, "text": "{text}"}}'
        response = client.post("/api/chat", content=body.encode(),
                               headers={"Content-Type": "application/json"})
        _answered_or_refused(response)

    check()
