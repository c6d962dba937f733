"""Read published documents as plain text: UTF-8 txt, Markdown, docx and PDF."""

from __future__ import annotations

from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
READABLE_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}


class UnreadableDocumentError(ValueError):
    """The file's format is not supported or its content cannot be read."""


def read_text(path: Path) -> str:
    """Return a document's text, one paragraph per line."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableDocumentError(f"{path.name}: not UTF-8 text") from exc
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    raise UnreadableDocumentError(f"{path.name}: unsupported format {suffix or '(none)'}")


def _read_docx(path: Path) -> str:
    import docx  # python-docx; imported here so plain-text ingestion stays light

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types
        raise UnreadableDocumentError(f"{path.name}: not a readable docx ({exc})") from exc
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise UnreadableDocumentError(f"{path.name}: not a readable PDF ({exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableDocumentError(f"{path.name}: the PDF has no text layer")
    return text
