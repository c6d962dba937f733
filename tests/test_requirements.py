"""The one rule for a missing machine requirement: skip on a laptop, fail under CI=true."""

from __future__ import annotations

import pytest

from tests.requirements import in_ci, skip_unless_ci


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), (" true ", True), ("", False), ("false", False),
    ("1", False),
])
def test_ci_means_ci_equals_true(monkeypatch: pytest.MonkeyPatch, value: str,
                                 expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_a_missing_requirement_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="gcc is missing"):
        skip_unless_ci("gcc is missing")


def test_a_missing_requirement_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"gcc is missing \(CI=true"):
        skip_unless_ci("gcc is missing")
