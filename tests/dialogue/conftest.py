"""A real Rasa server (trained by `make setup`) talking to the real app over HTTP.

The stack itself lives in :mod:`tests.stack`; this session's own instance is stopped on
purpose by the last test in test_conversations.py.
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
