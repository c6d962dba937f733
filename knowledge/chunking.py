"""Structure-aware chunking of policy texts: articles 第X条, clauses （X）, headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING_RE = re.compile(
    r"^(?:#{1,6}\s*(?P<md>.+)"
    r"|(?P<article>第[一二三四五六七八九十百零〇\d]+条)\s*(?P<article_rest>.*)"
    r"|(?P<clause>[（(]\s*[一二三四五六七八九十]+\s*[)）])\s*(?P<clause_rest>.*)"
    r"|(?P<part>[一二三四五六七八九十]+、)\s*(?P<part_rest>.*)"
    r"|(?P<chapter>第[一二三四五六七八九十]+章)\s*(?P<chapter_rest>.*))$"
)
MAX_CHUNK_CHARS = 600


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of a policy text with the heading that introduces it."""

    section: str
    label: str | None
    text: str


def _title_of(rest: str) -> str:
    title, sep, _ = rest.partition("。")
    return title.strip() if sep and len(title) <= 40 else ""


def split_by_structure(text: str, default_section: str = "正文") -> list[TextChunk]:
    """Split text at articles, clauses and headings; long sections are cut at sentence ends."""
    chunks: list[TextChunk] = []
    chapter = ""
    section, label = default_section, None
    buffer: list[str] = []

    def flush() -> None:
        body = "".join(buffer).strip()
        if body:
            for piece in _cut_long(body):
                chunks.append(TextChunk(section, label, piece))
        buffer.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _HEADING_RE.match(line)
        if match is None:
            buffer.append(line)
            continue
        if match.group("md"):
            flush()
            section, label = match.group("md").strip(), None
        elif match.group("chapter"):
            flush()
            chapter = f"{match.group('chapter')} {match.group('chapter_rest').strip()}".strip()
            section, label = chapter, match.group("chapter")
        else:
            flush()
            kind = next(k for k in ("article", "clause", "part") if match.group(k))
            label = re.sub(r"\s+", "", match.group(kind))
            rest = match.group(f"{kind}_rest")
            title = _title_of(rest)
            section = f"{label}{title}" if title else label
            if kind == "article" and chapter:
                section = f"{chapter} {section}"
            buffer.append(line)
    flush()
    return chunks


def _cut_long(body: str) -> list[str]:
    if len(body) <= MAX_CHUNK_CHARS:
        return [body]
    sentences = re.split(r"(?<=[。！？；])", body)
    pieces, current = [], ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > MAX_CHUNK_CHARS:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def split_sentences(text: str, min_chars: int = 8) -> list[str]:
    """Sentences of a chunk (for finer-grained indexing of long clauses)."""
    parts = [part.strip() for part in re.split(r"(?<=[。！？；])", text)]
    return [part for part in parts if len(part) >= min_chars]
