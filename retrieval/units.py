"""What gets indexed: units of text that point back to a citable chunk."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    """A unit is a chunk's body, one of its sentences, or an FAQ question/paraphrase."""

    BODY = "body"
    SENTENCE = "sentence"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class IndexUnit:
    """One embedded and keyword-indexed text; a hit on it is a hit on ``chunk_id``."""

    chunk_id: str
    text: str
    kind: UnitKind = UnitKind.BODY
