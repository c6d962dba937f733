"""Request authentication and message encryption, over wechatpy's signer and cipher.

wechatpy compares signatures with ``!=``; here the expected signature is computed with its
``WeChatSigner`` and compared in constant time, then its ``PrpCrypto`` decrypts.
"""

from __future__ import annotations

import base64
import hmac
import time

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner


def expected_signature(*parts: str) -> str:
    """WeChat's SHA-1 over the sorted parts (token, timestamp, nonce[, ciphertext])."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature  # type: ignore[no-any-return]


def signature_ok(signature: str | None, *parts: str) -> bool:
    """Whether ``signature`` is the signature of ``parts`` (constant-time comparison)."""
    if not signature:
        return False
    return hmac.compare_digest(expected_signature(*parts).encode(), signature.encode("utf-8"))


def timestamp_fresh(timestamp: str | None, tolerance: int, now: float | None = None) -> bool:
    """Whether the request's timestamp (seconds) lies within ``tolerance`` of now."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - (time.time() if now is None else now)) <= tolerance


class MessageCipher:
    """Safe-mode (AES) decryption of inbound messages and encryption of replies."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.app_id = app_id
        self._key = base64.b64decode(encoding_aes_key + "=")
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, ciphertext: str) -> str:
        """The message XML inside ``ciphertext``; raises ``ValueError`` if it is not ours.

        The caller has checked ``msg_signature`` over the ciphertext first.
        """
        try:
            return PrpCrypto(self._key).decrypt(ciphertext, self.app_id)  # type: ignore[no-any-return]
        except Exception as exc:  # bad base64, padding, length or app id: all mean "not ours"
            raise ValueError("message cannot be decrypted") from exc

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """The encrypted, signed reply envelope WeChat expects in safe mode."""
        return self._crypto.encrypt_message(xml, nonce, timestamp)  # type: ignore[no-any-return]
