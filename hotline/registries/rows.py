"""A file's rows → the records of a registry, or rejected rows with the reason in Chinese.

Districts are normalised to the directory's units (``LiaisonDirectory.get`` /
``find_in_text``: every alias and gazetteer place, 光谷 → 东湖高新区).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotline.registries.formats import (
    CERTIFICATE_VALID_YEARS,
    INCUBATOR_KINDS,
    LEVELS,
    RegistryFormat,
    RegistryKind,
)
from hotline.registries.names import company_key
from hotline.registries.reading import Cell, Table
from knowledge.directory import LiaisonDirectory

MAX_TEXT = 200
CERTIFICATE = re.compile(r"^GR\d{12}$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

Record = dict[str, Any]


class RegistryInvalid(ValueError):
    """The file cannot be imported at all; ``messages`` says why, one Chinese sentence each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row left out of the import, and why."""

    row: int
    reason: str


@dataclass(slots=True)
class Parsed:
    """The accepted records (with their row numbers) and the rejected rows of one file."""

    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊:：()（）]", "", unicodedata.normalize("NFKC", text))


def column_positions(table: Table, fmt: RegistryFormat) -> dict[str, int]:
    """Field → column index, from the header; RegistryInvalid when a required one is missing."""
    found = {_header_key(h): n for n, h in enumerate(table.header) if h}
    positions: dict[str, int] = {}
    missing = []
    for column in fmt.columns:
        names = (column.header, *column.aliases)
        index = next((found[_header_key(n)] for n in names if _header_key(n) in found), None)
        if index is not None:
            positions[column.field] = index
        elif column.required:
            missing.append(column.header)
    if missing:
        raise RegistryInvalid([f"表头缺少“{name}”列（{fmt.label}需要的列："
                               f"{'、'.join(c.header for c in fmt.columns)}）" for name in missing])
    return positions


def parse_date(value: Cell) -> date | None:
    """A date cell: an Excel date, 2023-12-08, 2023/12/8, 2023.12.8, 2023年12月8日 or 20231208."""
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _text(value: Cell) -> str:
    return value.isoformat() if isinstance(value, date) else " ".join(value.split())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def normalise_district(text: str, directory: LiaisonDirectory) -> str | None:
    """The directory unit a district cell names (光谷 → 东湖高新区), or None."""
    liaison = directory.get(text) or directory.find_in_text(text)
    return liaison.district if liaison else None


class _RowError(ValueError):
    pass


def _required(cells: dict[str, Cell], name: str, label: str) -> str:
    value = _text(cells.get(name, ""))
    if not value:
        raise _RowError(f"“{label}”为空")
    if len(value) > MAX_TEXT:
        raise _RowError(f"“{label}”太长（最多 {MAX_TEXT} 个字）")
    return value


def _optional(cells: dict[str, Cell], name: str, label: str) -> str:
    value = _text(cells.get(name, ""))
    if len(value) > MAX_TEXT:
        raise _RowError(f"“{label}”太长（最多 {MAX_TEXT} 个字）")
    return value


def _hightech(cells: dict[str, Cell], _directory: LiaisonDirectory) -> Record:
    name = _required(cells, "name", "企业名称")
    if not company_key(name):
        raise _RowError(f"企业名称“{name}”去掉地名和“有限公司”等后缀后为空")
    number = re.sub(r"\s", "", unicodedata.normalize("NFKC", _required(
        cells, "certificate_no", "证书编号"))).upper()
    if not CERTIFICATE.match(number):
        raise _RowError(f"证书编号“{number}”格式不对（应为 GR 加 12 位数字）")
    issued = parse_date(cells.get("issued_on", ""))
    if issued is None:
        raise _RowError(f"发证日期“{_text(cells.get('issued_on', ''))}”不是有效日期")
    until_cell = cells.get("valid_until", "")
    until = parse_date(until_cell) if until_cell != "" else \
        _add_years(issued, CERTIFICATE_VALID_YEARS)
    if until is None:
        raise _RowError(f"有效期至“{_text(until_cell)}”不是有效日期")
    if until < issued:
        raise _RowError("有效期至早于发证日期")
    return {"name": name, "certificate_no": number, "issued_on": issued, "valid_until": until}


def _incubator(cells: dict[str, Cell], directory: LiaisonDirectory) -> Record:
    name = _required(cells, "name", "名称")
    level = _required(cells, "level", "级别")
    level = f"{level}级" if level in ("国家", "省", "市") else level
    if level not in LEVELS:
        raise _RowError(f"级别“{level}”不对（应为{'、'.join(LEVELS)}之一）")
    kind = _required(cells, "kind", "类型")
    kind = next((k for k in INCUBATOR_KINDS if k in kind), kind)
    if kind not in INCUBATOR_KINDS:
        raise _RowError(f"类型“{kind}”不对（应为孵化器或众创空间）")
    written = _required(cells, "district", "所在区")
    district = normalise_district(written, directory)
    if district is None:
        raise _RowError(f"所在区“{written}”不是名录中的区（开发区）")
    return {"name": name, "level": level, "kind": kind, "district": district,
            "address": _optional(cells, "address", "地址"),
            "operator": _optional(cells, "operator", "运营主体")}


def _commissioner(cells: dict[str, Cell], directory: LiaisonDirectory) -> Record:
    record: Record = {"name": _required(cells, "name", "姓名"),
                      "field": _required(cells, "field", "服务领域"),
                      "unit": _required(cells, "unit", "工作单位"), "district": ""}
    written = _optional(cells, "district", "服务区域")
    if written:
        district = normalise_district(written, directory)
        if district is None:
            raise _RowError(f"服务区域“{written}”不是名录中的区（开发区）")
        record["district"] = district
    return record


_PARSERS = {RegistryKind.HIGHTECH: _hightech, RegistryKind.INCUBATOR: _incubator,
            RegistryKind.COMMISSIONER: _commissioner}


def _identity(kind: RegistryKind, record: Record) -> tuple[str, str]:
    """What two rows of one file may not share, and how to say it."""
    if kind == RegistryKind.HIGHTECH:
        return record["certificate_no"], "证书编号"
    if kind == RegistryKind.INCUBATOR:
        return company_key(record["name"]) or record["name"], "名称"
    return f"{record['name']}|{record['unit']}", "姓名和工作单位"


def parse_rows(table: Table, fmt: RegistryFormat, directory: LiaisonDirectory) -> Parsed:
    """Every data row checked: accepted records carry ``row`` (the file's row number)."""
    positions = column_positions(table, fmt)
    parser = _PARSERS[fmt.kind]
    parsed = Parsed()
    seen: dict[str, int] = {}
    for number, row in table.rows:
        cells = {name: row[index] if index < len(row) else "" for name, index in positions.items()}
        try:
            record = parser(cells, directory)
        except _RowError as exc:
            parsed.rejected.append(Rejected(number, str(exc)))
            continue
        key, label = _identity(fmt.kind, record)
        if key in seen:
            parsed.rejected.append(Rejected(number, f"{label}与第 {seen[key]} 行重复"))
            continue
        seen[key] = number
        parsed.records.append({**record, "row": number})
    return parsed
