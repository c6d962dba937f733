"""An uploaded file → its text → clause/section chunks for the editor to correct.

A bureau notice (文号 line, 一、 parts, （一） clauses) is split like the seed notice; any
other text at its headings (第X条, （一）, 一、, 1., Markdown #, 第X章), long sections at
sentence ends (knowledge/chunking.py).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hotline.library.content import clause_chunk
from knowledge.chunking import split_by_structure
from knowledge.models import Chunk
from knowledge.notice_parser import NoticeFormatError, parse_notice
from knowledge.readers import READABLE_SUFFIXES, UnreadableDocumentError, read_text

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
_NUMBERED = re.compile(r"^(\d{1,2})[.．、]\s*(?=\S)")


class UploadError(ValueError):
    """The file cannot be read or has no text (the message is for the editor, in Chinese)."""


def read_upload(filename: str, data: bytes) -> str:
    """The text of an uploaded txt, md, docx or pdf file."""
    suffix = Path(filename).suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise UploadError("只支持 txt、md、docx、pdf 文件")
    if not data:
        raise UploadError("文件是空的")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError("文件过大，最大 8 MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            text = read_text(path)
        except UnreadableDocumentError as exc:
            raise UploadError(f"无法读取文件：{exc}") from exc
    if not text.strip():
        raise UploadError("文件中没有可读的文字")
    return text


def _mark_numbered(text: str) -> str:
    """Numbered items ``1.`` / ``1、`` become Markdown headings when they start a line."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        match = _NUMBERED.match(stripped)
        if match:
            rest = stripped[match.end():]
            title = rest.partition("。")[0]
            title = title if len(title) <= 40 else rest[:20]
            lines.append(f"# {match.group(1)}. {title}")
            lines.append(stripped)
        else:
            lines.append(line)
    return "\n".join(lines)


def split_text(doc_id: str, text: str) -> list[Chunk]:
    """Chunks of a document's text (ids ``<doc_id>#<n>``)."""
    try:
        notice = parse_notice(text)
    except (NoticeFormatError, ValueError):
        notice = None
    if notice is not None and notice.clauses:
        chunks = [clause_chunk(doc_id, f"{doc_id}#preamble", "通知导语", notice.preamble)]
        chunks.extend(clause_chunk(doc_id, f"{doc_id}#{c.number}", c.section, c.text, c.label)
                      for c in notice.clauses)
        return chunks
    pieces = split_by_structure(_mark_numbered(text))
    return [clause_chunk(doc_id, f"{doc_id}#{n}", piece.section, piece.text, piece.label)
            for n, piece in enumerate(pieces, start=1)]
