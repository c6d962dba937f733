"""Real receivers for the notification tests: an HTTP webhook endpoint and an SMTP server;
and a channel sender that records what it was given."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A threading HTTP server on 127.0.0.1 that records POSTs.

    ``fail_first`` requests are answered 500; with ``gate`` set, each request waits for the
    gate to open before it is answered (a slow receiver).
    """

    def __init__(self, port: int | None = None, fail_first: int = 0,
                 gate: threading.Event | None = None) -> None:
        self.port = port or free_port()
        self.fail_first = fail_first
        self.gate = gate
        self.received: list[Received] = []
        self.arrived = threading.Event()  # set on the first request
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/dxe"

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    failing = len(receiver.received) <= receiver.fail_first
                receiver.arrived.set()
                if receiver.gate is not None:
                    receiver.gate.wait(10)
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.gate is not None:
            self.gate.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


class MailSink:
    """aiosmtpd handler keeping every envelope."""

    def __init__(self) -> None:
        self.envelopes: list = []  # type: ignore[type-arg]

    async def handle_DATA(self, _server, _session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Sender:
    """Stands in for the channel's sender (the WeChat helper's ``WeChatNotifier``):
    the same ``notify(session_id, text) -> bool`` interface, recording what it was given."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.sent: list[tuple[str, str]] = []

    def notify(self, session_id: str, text: str) -> bool:
        self.sent.append((session_id, text))
        return self.accept
