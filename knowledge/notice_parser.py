"""Split a bureau notice by its own structure: parts 一、, clauses （一）, the annex table.

Handles the artefacts of the published text: a clause broken across a page break
(a blank line in the middle of a word) and a mix of full- and half-width parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.numerals import chinese_to_int

_PART_RE = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
_CLAUSE_RE = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(.+)$", re.S)
_DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕\d+号$")
_ANNEX_REF_RE = re.compile(r"^附件[：:]")
_ANNEX_HEADER = "附件"


class NoticeFormatError(ValueError):
    """The text does not have the structure of a bureau notice."""


@dataclass(frozen=True, slots=True)
class Clause:
    """A numbered clause, e.g. （八）优化高企认定服务流程."""

    number: int
    label: str  # normalised to full-width: （八）
    title: str
    text: str  # the whole clause, label included
    part_label: str
    part_title: str

    @property
    def section(self) -> str:
        """The clause label and title, the way citations show it."""
        return f"{self.label}{self.title}"


@dataclass(frozen=True, slots=True)
class AnnexRow:
    """One row of the annex table: district → leader, department, contact person."""

    district: str
    leader: str
    leader_title: str
    department: str
    contact: str


@dataclass(slots=True)
class ParsedNotice:
    """A notice split into its parts."""

    issuer: str
    doc_number: str
    title: str
    addressees: str
    preamble: str
    clauses: list[Clause] = field(default_factory=list)
    annex_title: str = ""
    annex_rows: list[AnnexRow] = field(default_factory=list)


def _paragraphs(text: str) -> list[str]:
    """Non-empty stripped lines; the notice has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\ufeff", "")
    return [line.strip() for line in text.split("\n") if line.strip()]


def _clause_title(body: str) -> str:
    """A clause's title is its first sentence, up to the first full stop."""
    title, sep, _ = body.partition("。")
    if not sep or len(title) > 40:
        raise NoticeFormatError(f"clause without a short title sentence: {body[:30]}…")
    return title.strip()


def _parse_annex_row(line: str) -> AnnexRow:
    cells = [c.strip() for c in re.split(r"\t+|\s{2,}", line) if c.strip()]
    if len(cells) != 4:
        raise NoticeFormatError(f"annex row does not have 4 cells: {line!r}")
    district, leader_cell, department, contact = cells
    match = re.fullmatch(r"(.+?)[（(](.+?)[)）]", leader_cell)
    if not match:
        raise NoticeFormatError(f"leader cell without a title: {leader_cell!r}")
    return AnnexRow(district, match.group(1), match.group(2), department, contact)


def parse_notice(text: str) -> ParsedNotice:
    """Parse the notice text into header, preamble, 17 clauses and the annex rows."""
    lines = _paragraphs(text)
    try:
        number_at = next(i for i, line in enumerate(lines) if _DOC_NUMBER_RE.match(line))
    except StopIteration as exc:
        raise NoticeFormatError("no document number (文号) line found") from exc
    if number_at == 0 or len(lines) < number_at + 4:
        raise NoticeFormatError("header incomplete: issuer, 文号, title and addressees expected")
    notice = ParsedNotice(
        issuer=lines[number_at - 1],
        doc_number=lines[number_at],
        title=lines[number_at + 1],
        addressees=lines[number_at + 2].rstrip("：:"),
        preamble=lines[number_at + 3],
    )

    part_label = part_title = ""
    pending: list[str] = []  # pieces of the clause being read

    def flush() -> None:
        if not pending:
            return
        body = "".join(pending)  # page-break pieces join without a gap
        match = _CLAUSE_RE.match(body)
        assert match  # pending always starts with a clause line
        number = chinese_to_int(match.group(1))
        rest = match.group(2).strip()
        label = f"（{match.group(1)}）"
        notice.clauses.append(Clause(number, label, _clause_title(rest), f"{label}{rest}",
                                     part_label, part_title))
        pending.clear()

    index = number_at + 4
    while index < len(lines):
        line = lines[index]
        if _ANNEX_REF_RE.match(line) or line == _ANNEX_HEADER:
            break
        if part := _PART_RE.match(line):
            flush()
            part_label, part_title = f"{part.group(1)}、", part.group(2).strip()
        elif _CLAUSE_RE.match(line):
            flush()
            pending.append(line)
        elif pending:
            pending.append(line)  # continuation after a page break
        else:
            raise NoticeFormatError(f"text outside any clause: {line[:30]}…")
        index += 1
    flush()

    # The annex: a header line 附件, the table title, a column header row, the rows.
    annex = lines[index:]
    while annex and (_ANNEX_REF_RE.match(annex[0]) or annex[0] == _ANNEX_HEADER):
        annex.pop(0)
    if annex:
        notice.annex_title = re.sub(r"\s+", "", annex.pop(0))
        if annex and annex[0].startswith("区"):
            annex.pop(0)  # column header
        notice.annex_rows = [_parse_annex_row(line) for line in annex]
    _check_numbering(notice)
    return notice


def _check_numbering(notice: ParsedNotice) -> None:
    numbers = [clause.number for clause in notice.clauses]
    if numbers != list(range(1, len(numbers) + 1)):
        raise NoticeFormatError(f"clauses out of sequence: {numbers}")
