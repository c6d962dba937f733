"""Fixtures: the real app (direct mode) with WECHAT_* set, and a local fake of WeChat's API."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.channels.wechat.support import TOKEN
from tests.fakes.wechat_api import FakeWeChatAPI


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatAPI]:
    """WeChat's API server, faked locally, with its own app id."""
    fake = FakeWeChatAPI(app_id="wx" + secrets.token_hex(8), app_secret=secrets.token_hex(16))
    with fake.running():
        yield fake


WeChatApp = Callable[..., Any]


@pytest.fixture
def wechat_app(monkeypatch: pytest.MonkeyPatch, runtime: Any, test_settings: Any,
               fake_api: FakeWeChatAPI) -> Iterator[WeChatApp]:
    """``wechat_app(**env)``: a context manager giving a TestClient of the app with WECHAT_* set.

    Defaults: plaintext mode, token ``TOKEN``, app id/secret and API base URL of the fake.
    """
    from api.main import create_app
    from hotline.settings import WECHAT_FIELDS, Settings

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("ENCODING_AES_KEY", "REDIS_URL", "REPLY_TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"WECHAT_{name}", raising=False)

    @contextmanager
    def build(**env: str | None) -> Iterator[TestClient]:
        values = {"TOKEN": TOKEN, "APP_ID": fake_api.app_id, "APP_SECRET": fake_api.app_secret,
                  "API_BASE_URL": fake_api.base_url, **env}
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(f"WECHAT_{name}", raising=False)
            else:
                monkeypatch.setenv(f"WECHAT_{name}", value)
        # the one Settings object holds the WECHAT_* variables: read them as just set
        wechat = Settings(_env_file=None).model_dump(include={f"WECHAT_{name}"
                                                               for name in WECHAT_FIELDS})
        settings = test_settings.model_copy(update=wechat)
        with TestClient(create_app(settings=settings, runtime=runtime)) as client:
            yield client

    yield build
