"""Document model shared by every kind of knowledge the bureau publishes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class DocKind(StrEnum):
    """What a document is; decides how it is chunked and answered."""

    NOTICE = "notice"
    POLICY = "policy"
    GUIDE = "guide"
    FAQ = "faq"
    DIRECTORY = "directory"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable, citable piece of a document (a clause, a guide section, an FAQ).

    ``search_texts`` are extra texts indexed for this chunk (FAQ paraphrases, the
    sentences of a long clause); a hit on any of them is a hit on the chunk.
    """

    id: str
    doc_id: str
    section: str
    text: str
    label: str | None = None
    answer: str | None = None
    search_texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A published document with its provenance and its chunks."""

    id: str
    kind: DocKind
    title: str
    issuer: str
    source: str
    doc_number: str | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    chunks: tuple[Chunk, ...] = field(default_factory=tuple)

    @property
    def version(self) -> str:
        """Content hash: changes whenever the text or the provenance changes."""
        digest = hashlib.sha256()
        for part in (self.id, self.kind, self.title, self.issuer, self.source,
                     self.doc_number or "", str(self.effective_date), str(self.expiry_date)):
            digest.update(part.encode())
            digest.update(b"\x00")
        for chunk in self.chunks:
            for part in (chunk.id, chunk.section, chunk.text, chunk.answer or "",
                         *chunk.search_texts):
                digest.update(part.encode())
                digest.update(b"\x00")
        return digest.hexdigest()[:16]

    def is_in_force(self, on: date) -> bool:
        """Whether the document is in force on a given day (not before effect, not after 废止)."""
        if self.effective_date and on < self.effective_date:
            return False
        return not (self.expiry_date and on >= self.expiry_date)
