"""Session credentials of the web and 鄂汇办 channels: issued by the server, signed, unguessable.

A conversation has an internal id (``web:<random>``, ``eh-anon:<random>`` for the page
embedded in 鄂汇办 without a verified user, or ``eh:<user>:<tag>``) under which its
turns, tickets and notices are stored. The client never holds that id alone: it holds the
*credential* ``<internal id>.<HMAC-SHA256 signature>``, issued by ``POST /api/sessions`` (or
by the 鄂汇办 exchange). The web API accepts nothing else, so an id cannot be made up
(signature) or guessed (128 random bits), and the WeChat (``wx:``) and staff-call ids, which
are never signed, cannot be reached from the web at all.

The signature is only in the credential, never stored: the ids staff see in the console
and the logs cannot be used to continue a conversation.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, Signer

WEB_PREFIX = "web:"
EMBED_PREFIX = "eh-anon:"  # the page inside 鄂汇办 before (or without) its verified exchange
EHUIBAN_PREFIX = "eh:"  # a 鄂汇办 user vouched for by its signed token
_CHANNELS = {WEB_PREFIX: "web", EMBED_PREFIX: "ehuiban", EHUIBAN_PREFIX: "ehuiban"}
_SALT = "dxe.session.v1"


class InvalidSession(ValueError):
    """The credential was not issued by this server (or was altered)."""


@dataclass(frozen=True, slots=True)
class WebSession:
    """A verified credential: the internal id and the channel it is bound to."""

    credential: str
    session_id: str
    channel: str


class SessionIssuer:
    """Issues and verifies session credentials with one secret (shared by all replicas)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 characters")
        self._signer = Signer(secret, salt=_SALT, digest_method=hashlib.sha256)

    def issue_web(self, embedded: bool = False) -> WebSession:
        """A new anonymous conversation: on the web, or in the 鄂汇办 web view."""
        return self.issue((EMBED_PREFIX if embedded else WEB_PREFIX) + secrets.token_urlsafe(16))

    def issue(self, session_id: str) -> WebSession:
        """The credential of an internal id (``web:…`` or ``eh:…`` only)."""
        channel = _channel_of(session_id)
        return WebSession(self._signer.sign(session_id).decode(), session_id, channel)

    def verify(self, credential: str) -> WebSession:
        """The session a credential stands for; :class:`InvalidSession` otherwise."""
        try:
            session_id = self._signer.unsign(credential).decode()
        except (BadSignature, UnicodeError) as exc:
            raise InvalidSession("会话凭证无效或已过期 / invalid session credential") from exc
        return WebSession(credential, session_id, _channel_of(session_id))


def _channel_of(session_id: str) -> str:
    for prefix, channel in _CHANNELS.items():
        if session_id.startswith(prefix) and len(session_id) > len(prefix):
            return channel
    raise InvalidSession("会话凭证无效 / not a web or 鄂汇办 session")


def development_secret(var_dir: Path) -> str:
    """A random secret kept in ``var/secrets/session.key`` (0600), created once, so that a
    restart (or a second replica on this machine) keeps accepting issued credentials.
    Production sets ``DXE_SESSION_SECRET`` instead (see hotline/security/production.py)."""
    path = var_dir / "secrets" / "session.key"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        draft = path.with_name(f".session.key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)  # atomic: the first replica to start wins, the rest read it
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
