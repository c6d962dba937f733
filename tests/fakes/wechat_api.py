"""A local fake of WeChat's API server, speaking its JSON protocol over real HTTP.

Endpoints (under ``/cgi-bin/``), with WeChat's error codes (always HTTP 200, like WeChat):

- ``GET token?grant_type=client_credential&appid=…&secret=…`` →
  ``{"access_token": …, "expires_in": 7200}``; 40002 bad grant type, 40013 invalid appid,
  40125 invalid appsecret.
- ``POST message/custom/send?access_token=…`` with ``{"touser", "msgtype": "text",
  "text": {"content"}}`` → ``{"errcode": 0, "errmsg": "ok"}``; 41001 token missing,
  40001 invalid token, 42001 expired token, 47001 malformed body, 40008 message type,
  40003 openid, 45002 content over 2048 bytes, 45047 out of response count limit.

- ``POST message/subscribe/bizsend?access_token=…`` (订阅通知) with ``{"touser",
  "template_id", "page"?, "data": {"<key>": {"value"}}}`` → ``{"errcode": 0}``; the token
  errors above, 47001 malformed body, 40003 openid, 40037 unknown template, 43101 the user
  did not accept the template, 47003 a ``thing`` value over 20 characters.

Test controls: ``expire_tokens()``, ``revoke_tokens()``, ``set_quota(openid, n)``,
``add_template(id)``, ``accept_template(openid, id)``, and the record ``token_requests``,
``sent`` (``(openid, content)`` accepted messages) and ``subscribe_sent`` (accepted
订阅通知 bodies).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_TTL = 7200
CONTENT_LIMIT_BYTES = 2048
OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class FakeWeChatAPI:
    """State of the fake server; run it with :meth:`running`."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_requests = 0
        self.send_requests = 0
        self.sent: list[tuple[str, str]] = []
        self._tokens: dict[str, float] = {}  # token → expiry (epoch seconds)
        self._quota: dict[str, int] = {}  # openid → customer-service messages still allowed
        self._rid = itertools.count(1)
        self.subscribe_sent: list[dict[str, Any]] = []
        self._templates: set[str] = set()
        self._accepted: set[tuple[str, str]] = set()  # (openid, template id)
        self._lock = threading.Lock()
        self.base_url = ""

    # --- test controls ------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every issued token is now expired (42001)."""
        with self._lock:
            self._tokens = {token: 0.0 for token in self._tokens}

    def revoke_tokens(self) -> None:
        """Every issued token is now unknown (40001), as after a refresh elsewhere."""
        with self._lock:
            self._tokens.clear()

    def set_quota(self, openid: str, remaining: int) -> None:
        """Allow only ``remaining`` more messages to ``openid`` (then 45047)."""
        with self._lock:
            self._quota[openid] = remaining

    def add_template(self, template_id: str) -> None:
        """The account owns this 订阅通知 template."""
        with self._lock:
            self._templates.add(template_id)

    def accept_template(self, openid: str, template_id: str) -> None:
        """The user accepted the template (as after WeChat's popup)."""
        with self._lock:
            self._accepted.add((openid, template_id))

    def sent_to(self, openid: str) -> list[str]:
        with self._lock:
            return [content for to, content in self.sent if to == openid]

    def wait_for_sent(self, openid: str, count: int = 1, timeout: float = 10.0) -> list[str]:
        """Poll until ``count`` messages reached ``openid`` (or the timeout passes)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(messages := self.sent_to(openid)) >= count:
                return messages
            time.sleep(0.02)
        return self.sent_to(openid)

    # --- protocol -----------------------------------------------------------------------
    def _error(self, code: int, message: str) -> dict[str, Any]:
        return {"errcode": code, "errmsg": f"{message} rid: fake-{next(self._rid)}"}

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.token_requests += 1
            if query.get("grant_type") != "client_credential":
                return self._error(40002, "invalid grant_type")
            if query.get("appid") != self.app_id:
                return self._error(40013, "invalid appid")
            if query.get("secret") != self.app_secret:
                return self._error(40125, "invalid appsecret")
            token = secrets.token_urlsafe(48)
            self._tokens[token] = time.time() + TOKEN_TTL
            return {"access_token": token, "expires_in": TOKEN_TTL}

    def custom_send(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        with self._lock:
            self.send_requests += 1
            if (error := self._token_error(query.get("access_token"))) is not None:
                return error
            try:
                data = json.loads(body.decode("utf-8"))
                openid, msgtype = data["touser"], data["msgtype"]
            except (ValueError, KeyError, TypeError):
                return self._error(47001, "data format error")
            if msgtype != "text":
                return self._error(40008, "invalid message type")
            if not isinstance(openid, str) or not OPENID.match(openid):
                return self._error(40003, "invalid openid")
            content = (data.get("text") or {}).get("content")
            if not isinstance(content, str):
                return self._error(47001, "data format error")
            if len(content.encode("utf-8")) > CONTENT_LIMIT_BYTES:
                return self._error(45002, "content size out of limit")
            if self._quota.get(openid, 1) <= 0:
                return self._error(45047, "out of response count limit")
            if openid in self._quota:
                self._quota[openid] -= 1
            self.sent.append((openid, content))
            return {"errcode": 0, "errmsg": "ok"}

    def _token_error(self, token: str | None) -> dict[str, Any] | None:
        if not token:
            return self._error(41001, "access_token missing")
        if token not in self._tokens:
            return self._error(40001, "invalid credential, access_token is invalid or not latest")
        if self._tokens[token] <= time.time():
            return self._error(42001, "access_token expired")
        return None

    def bizsend(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        with self._lock:
            if (error := self._token_error(query.get("access_token"))) is not None:
                return error
            try:
                data = json.loads(body.decode("utf-8"))
                openid, template, fields = data["touser"], data["template_id"], data["data"]
            except (ValueError, KeyError, TypeError):
                return self._error(47001, "data format error")
            if not isinstance(openid, str) or not OPENID.match(openid):
                return self._error(40003, "invalid openid")
            if template not in self._templates:
                return self._error(40037, "invalid template_id")
            if not isinstance(fields, dict) or not all(
                    isinstance(v, dict) and isinstance(v.get("value"), str) for v in fields.values()):
                return self._error(47001, "data format error")
            if any(key.startswith("thing") and len(value["value"]) > 20
                   for key, value in fields.items()):
                return self._error(47003, "argument invalid! data.thing.value invalid")
            if (openid, template) not in self._accepted:
                return self._error(43101, "user refuse to accept the msg")
            self.subscribe_sent.append(data)
            return {"errcode": 0, "errmsg": "ok"}

    @contextmanager
    def running(self) -> Iterator[FakeWeChatAPI]:
        """Serve on 127.0.0.1 (a free port) until the block ends; ``base_url`` is set."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> tuple[str, dict[str, str]]:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                return parts.path, query

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path, query = self._route()
                if path == "/cgi-bin/token":
                    self._answer(200, fake.token(query))
                else:
                    self._answer(404, {"errcode": 404, "errmsg": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                path, query = self._route()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path == "/cgi-bin/message/custom/send":
                    self._answer(200, fake.custom_send(query, body))
                elif path == "/cgi-bin/message/subscribe/bizsend":
                    self._answer(200, fake.bizsend(query, body))
                else:
                    self._answer(404, {"errcode": 404, "errmsg": "not found"})

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="fake-wechat", daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
