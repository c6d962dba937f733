"""An uploaded registry file (CSV in UTF-8 / UTF-8 with BOM / GBK, or Excel .xlsx) → its
header and rows, each with the row number the admin sees in the file.

Rows before the header whose first cell starts with ``#`` are comments (kept: a comment
containing :data:`GENERATED_MARK` marks generated test data); blank rows are skipped.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_ROWS = 50_000
GENERATED_MARK = "生成的测试数据"
ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 reads GBK (and GB2312) files

Cell = str | date
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never stored (PostgreSQL refuses NUL)


class UnreadableFile(ValueError):
    """The file cannot be read as a registry table (the message is Chinese, for the admin)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header, its data rows (row number, cells) and its comment lines."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]
    comments: list[str]
    encoding: str  # utf-8-sig / gb18030 / xlsx

    @property
    def generated(self) -> bool:
        """Whether the file says it holds generated test data, not the real registry."""
        return any(GENERATED_MARK in line for line in self.comments)


def clean_text(text: str) -> str:
    """``text`` without control characters (PostgreSQL refuses NUL), trimmed."""
    return _CONTROL.sub("", text).strip()


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")


def _cell(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else clean_text(str(value))


def _table(lines: list[tuple[int, list[Cell]]], encoding: str) -> Table:
    comments: list[str] = []
    for position, (_number, cells) in enumerate(lines):
        first = next((c for c in cells if c != ""), "")
        if first == "":
            continue
        if isinstance(first, str) and first.startswith("#"):
            comments.append(" ".join(str(c) for c in cells if c != "").lstrip("# "))
            continue
        header = [str(c).strip() for c in cells]
        rows = [(n, row) for n, row in lines[position + 1:] if any(c != "" for c in row)]
        if len(rows) > MAX_ROWS:
            raise UnreadableFile(f"行数过多（最多 {MAX_ROWS} 行）")
        return Table(header, rows, comments, encoding)
    raise UnreadableFile("文件中没有表头和数据")


def read_csv(data: bytes) -> Table:
    """A CSV file's table (UTF-8, UTF-8 with BOM, or GBK)."""
    text, encoding = _decode(data)
    try:
        lines = [(n, [_cell(c) for c in row])
                 for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 格式有误：{exc}") from exc
    return _table(lines, encoding)


def read_xlsx(data: bytes) -> Table:
    """The first worksheet of an Excel .xlsx file."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableFile("不是有效的 Excel（.xlsx）文件")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"无法读取 Excel 文件：{exc}") from exc
    except Exception as exc:  # a damaged workbook's XML fails in many ways
        raise UnreadableFile("无法读取 Excel 文件（文件已损坏？）") from exc
    try:
        lines = _sheet_lines(book)
    except UnreadableFile:
        raise
    except Exception as exc:  # as above, while reading the rows
        raise UnreadableFile("无法读取 Excel 文件（文件已损坏？）") from exc
    finally:
        book.close()
    return _table(lines, "xlsx")


def _sheet_lines(book: Any) -> list[tuple[int, list[Cell]]]:
    if not book.worksheets:
        raise UnreadableFile("Excel 文件中没有工作表")
    lines = []
    for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        if n > MAX_ROWS + 50:
            raise UnreadableFile(f"行数过多（最多 {MAX_ROWS} 行）")
        lines.append((n, [_cell(v) for v in values]))
    return lines


def read_table(filename: str, data: bytes) -> Table:
    """The table of an uploaded ``.csv`` or ``.xlsx`` file."""
    if not data:
        raise UnreadableFile("文件是空的")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"文件过大，最大 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv(data)
    if suffix == ".xlsx":
        return read_xlsx(data)
    raise UnreadableFile("只支持 .csv 和 .xlsx 文件（.xls 请先另存为 .xlsx）")
