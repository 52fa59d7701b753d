"""The figures as files staff open in Excel: CSV (UTF-8 with a byte-order mark) and .xlsx (a sheet per table)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SHEET_NAMES", "csv_bytes", "xlsx_bytes"]

#: The sheet of each table of `scheduler.evidence.stats.Figures.tables`.
SHEET_NAMES = {"rows": "集計", "totals": "合計", "trend": "月別推移", "reach": "地区の到達"}


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns


def csv_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """One table as CSV, UTF-8 with a byte-order mark (Excel reads the Japanese right); empty cells for none."""
    out = io.StringIO(newline="")
    columns = _columns(rows)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    """The tables as an Excel workbook, one sheet per table (`SHEET_NAMES`), a header row on each."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in tables.items():
        sheet = book.create_sheet(SHEET_NAMES.get(name, name)[:31])
        columns = _columns(rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
