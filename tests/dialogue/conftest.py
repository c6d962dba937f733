"""A real Rasa server (trained by `make setup`) talking to the real app over HTTP.

The stack itself lives in :mod:`tests.stack`. The session's ``stack`` is never stopped by a
test; a test that stops Rasa starts its own pair with :func:`tests.stack.running_stack`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack import TOKEN, Stack, free_port, running_stack

__all__ = ["TOKEN", "Stack", "free_port", "stack"]


@pytest.fixture(scope="session")
def stack(runtime, test_settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    with running_stack(runtime, test_settings, tmp_path_factory) as running:
        yield running
