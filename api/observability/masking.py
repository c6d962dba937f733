"""Personal data out of log lines: phone numbers, ID-card numbers, e-mail and WeChat openids.

Logs are read by operators and shipped to log stores; an enterprise's phone number or a
staff member's e-mail has no business there. Masks keep enough to tell records apart
(138****5678) and nothing to call or write to.
"""

from __future__ import annotations

import re

# a mainland mobile number, optionally with +86 / 86, not inside a longer number
_MOBILE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d])")
# a landline with its area code: 027-87654321, 02787654321, (027)8765-4321
_LANDLINE = re.compile(r"(?<![\d])\(?(0\d{2,3})\)?[- ]?(\d{3,4})-?(\d{4})(?![\d])")
# a resident ID-card number: 17 digits and a digit or X
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# a WeChat openid (28 characters, starting with "o") — the key to one person's account
_OPENID = re.compile(r"(?<![A-Za-z0-9_-])(o[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])")


def mask_personal_data(text: str) -> str:
    """``text`` with phone numbers, ID-card numbers, e-mail addresses and openids masked."""
    text = _ID_CARD.sub(r"\1**********\2", text)
    text = _MOBILE.sub(r"\1****\3", text)
    text = _LANDLINE.sub(r"\1-****\3", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _OPENID.sub(r"\1…", text)
