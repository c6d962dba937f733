"""Staff passwords: argon2id hashes (argon2-cffi), and what a password must be.

A password is never stored or logged, only its argon2id hash with its own salt and
parameters; :func:`verify` also says when a hash should be recomputed with today's
parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why (Chinese first)."""


def check_policy(password: str, name: str) -> None:
    """Refuse passwords that are short, one repeated character, or the account's name."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"密码需要{MIN_LENGTH}到{MAX_LENGTH}个字符 / "
                           f"{MIN_LENGTH}–{MAX_LENGTH} characters")
    if len(set(password)) < 4 or name and name.lower() in password.lower():
        raise WeakPassword("密码太简单（重复字符或包含用户名） / too simple")


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). An account without a password matches nothing."""
    if not password_hash:
        _hasher.hash(password)  # the same work as a real check: no timing hint
        return False, False
    try:
        _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(password_hash)
