"""Short-lived HS256 JWTs for Rasa's HTTP API (``rasa run --jwt-secret``, via bot/serve.py).

Rasa (sanic-jwt) checks the signature and ``exp``; its ``requires_auth`` then lets
``user.role == "admin"`` call every protected endpoint (``/status``,
``/conversations/<id>/tracker``, …). HS256 is a few lines of the standard library, so the
app needs no JWT package.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

ALGORITHM = "HS256"
DEFAULT_LIFETIME_SECONDS = 60
APP_USERNAME = "dianxiaoer-app"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_token(secret: str, lifetime: float = DEFAULT_LIFETIME_SECONDS,
               now: float | None = None, username: str = APP_USERNAME,
               role: str = "admin") -> str:
    """A JWT for ``username`` with ``role`` that expires ``lifetime`` seconds from ``now``
    (Rasa lets the role ``user`` see only the conversation named ``username``)."""
    issued = int(time.time() if now is None else now)
    header = {"alg": ALGORITHM, "typ": "JWT"}
    payload = {"user": {"username": username, "role": role}, "username": username,
               "iat": issued, "exp": issued + int(lifetime)}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


class TokenSource:
    """Mints a fresh token when the cached one is within ``margin`` seconds of expiring."""

    def __init__(self, secret: str, lifetime: float = DEFAULT_LIFETIME_SECONDS,
                 margin: float = 15.0) -> None:
        if lifetime <= margin:
            raise ValueError("the token lifetime must exceed the renewal margin")
        self._secret = secret
        self._lifetime = lifetime
        self._margin = margin
        self._token = ""
        self._expires = 0.0

    def __repr__(self) -> str:  # never show the secret
        return f"TokenSource(lifetime={self._lifetime})"

    def header(self) -> dict[str, str]:
        """The ``Authorization`` header carrying a valid token."""
        now = time.time()
        if now >= self._expires - self._margin:
            self._token = mint_token(self._secret, self._lifetime, now)
            self._expires = int(now) + self._lifetime
        return {"Authorization": f"Bearer {self._token}"}
