"""What a test needs from the machine, and what happens when it is missing.

On this project's machines (and in CI, which sets ``CI=true``; ``.ci/run`` does too) the
local PostgreSQL, Redis, gcc, Chromium and the built Rasa model are all there, so a missing
one is a broken machine, not a reason to pass: :func:`skip_unless_ci` fails there. On a
developer's laptop without them the test is skipped with the reason, and ``-ra`` lists it.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["in_ci", "skip_unless_ci"]


def in_ci() -> bool:
    """True when the environment variable ``CI`` is ``true`` (any case)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_unless_ci(reason: str) -> NoReturn:
    """Skip the test for ``reason``; under ``CI=true`` fail it instead.

    ``reason`` says what is missing and how to get it, e.g.
    ``"gcc is needed to compile the e5.c tokenizer harness: apt-get install gcc"``.
    """
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this check must run, not be skipped)", pytrace=False)
    pytest.skip(reason)
