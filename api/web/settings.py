"""Settings of the chat page (``DXE_`` environment variables, like the app's own)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# One CSP source expression: 'self' / 'none', a scheme ("https:"), or a host source with
# optional scheme, "*." wildcard, port and path. Nothing that could end the header directive.
_SOURCE = re.compile(
    r"^(?:'self'|'none'|[a-z][a-z0-9+.\-]*:|"
    r"(?:[a-z][a-z0-9+.\-]*://)?(?:\*\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*(?::(?:\d{1,5}|\*))?"
    r"(?:/[A-Za-z0-9_.~%!$&()*+=@/\-]*)?)$", re.IGNORECASE)
log = logging.getLogger(__name__)


def parse_frame_ancestors(value: str) -> str:
    """Validate a ``frame-ancestors`` source list; returns it normalised (single spaces)."""
    if any(ord(ch) < 0x20 or ord(ch) > 0x7E for ch in value.replace(" ", "")):
        raise ValueError("only printable ASCII and spaces are allowed")
    sources = value.split()
    if not sources:
        raise ValueError("empty; use 'none' to forbid framing")
    for source in sources:
        if not _SOURCE.match(source) or ";" in source or "," in source:
            raise ValueError(f"not a CSP source expression: {source!r}")
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("'none' must stand alone")
    return " ".join(sources)


class WebSettings(BaseSettings):
    """Where the page may be framed: ``DXE_EMBED_FRAME_ANCESTORS``, e.g.
    ``"'self' https://*.example.gov.cn"`` for a host app that shows it in an iframe."""

    model_config = SettingsConfigDict(env_prefix="DXE_", env_file=".env", extra="ignore")

    EMBED_FRAME_ANCESTORS: str = "'self'"

    @field_validator("EMBED_FRAME_ANCESTORS")
    @classmethod
    def _valid_sources(cls, value: str) -> str:
        return parse_frame_ancestors(value)


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    """Read once per process (tests clear the cache). An invalid value fails closed: the
    page is served, but may not be framed by anyone (``'none'``), and the error is logged."""
    try:
        return WebSettings()
    except ValidationError as exc:
        log.error("DXE_EMBED_FRAME_ANCESTORS is invalid, framing is forbidden: %s", exc)
        return WebSettings.model_construct(EMBED_FRAME_ANCESTORS="'none'")
