"""Text normalisation applied alike to documents and to what users type."""

from __future__ import annotations

import re
import unicodedata

import zhconv

_SPACE_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (高新技術企業 → 高新技术企业)."""
    return str(zhconv.convert(text, "zh-cn"))


def normalize_text(text: str) -> str:
    """Canonical form for matching: NFKC (full-width ASCII → half-width), simplified
    characters, lower-case Latin, single spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = _CONTROL_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip().lower()


def has_control_characters(text: str) -> bool:
    """Whether text carries control characters other than tab/newline/CR."""
    return bool(_CONTROL_RE.search(text))
