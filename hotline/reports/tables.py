"""A report table (columns and rows) and its CSV form (formula-safe cells)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from hotline.audit.log import csv_cell


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of one report, each a dict keyed by the columns' keys."""

    name: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (key, Chinese header)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The table for the JSON API."""
        return {"name": self.name, "title": self.title,
                "columns": [{"key": key, "label": label} for key, label in self.columns],
                "rows": self.rows}


def to_csv(table: Table) -> str:
    """The table as CSV: UTF-8 with BOM (Excel opens the Chinese right), Chinese headers, and
    no cell a spreadsheet would run as a formula."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([csv_cell(label) for _key, label in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell("" if row.get(key) is None else row[key])
                         for key, _label in table.columns])
    return out.getvalue()
