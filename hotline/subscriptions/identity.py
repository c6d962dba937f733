"""Who may subscribe: a verified chat identity, never a typed company name.

The identity is the conversation's internal id, which only the server can vouch for:
``wx:<openid>`` (WeChat signed the message), ``eh:<user>:<tag>`` (鄂汇办's signed token,
one stable id per user) or ``web:<random>`` (a credential this server signed, see
:mod:`hotline.security.sessions`). ``eh-anon:`` (the 鄂汇办 page before its verified
exchange), the admin console's ``try:`` rehearsals and staff calls cannot subscribe.
"""

from __future__ import annotations

from dataclasses import dataclass

_CHANNELS = (("wx:", "wechat"), ("eh:", "ehuiban"), ("web:", "web"))
MAX_IDENTITY = 128


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified subscriber: its id (the chat session id) and the channel it is reached on."""

    id: str
    channel: str


def verified_identity(session_id: str) -> Identity | None:
    """The subscriber ``session_id`` stands for, or None when it is not a verified one."""
    if len(session_id) > MAX_IDENTITY:
        return None
    for prefix, channel in _CHANNELS:
        if session_id.startswith(prefix) and len(session_id) > len(prefix):
            return Identity(session_id, channel)
    return None
