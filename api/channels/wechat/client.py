"""wechatpy's API client, pointed at a configurable base URL, with timeouts on every call."""

from __future__ import annotations

from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage


class _TimeoutSession(requests.Session):
    """A requests session that never waits forever (wechatpy's token fetch sets no timeout)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().request(*args, **kwargs)


class WeChatApiClient(WeChatClient):  # type: ignore[misc]
    """``WeChatClient`` whose API root (token endpoint included) comes from configuration.

    ``auto_retry`` is off: an invalid or expired token is refreshed once by the caller
    (:mod:`api.channels.wechat.delivery`), never in an unbounded loop.
    """

    def __init__(self, app_id: str, secret: str, *, api_base_url: str,
                 session: SessionStorage, timeout: float) -> None:
        super().__init__(app_id, secret, session=session, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base_url
        self._http = _TimeoutSession(timeout)

    def fetch_access_token(self) -> dict[str, Any]:
        """GET ``<base>token`` (wechatpy hard-codes WeChat's own host here)."""
        return self._fetch_access_token(  # type: ignore[no-any-return]
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid,
                    "secret": self.secret})
