"""The figures as files staff open in Excel: CSV (UTF-8 with a byte-order mark) and .xlsx (a sheet per table).

The columns are headed by the figures' keys unless `headings` gives words for them (the web app
gives the 実績 screen's, in the screen's language: `webapp.results.exports`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from scheduler.io.cells import spreadsheet_text

__all__ = ["SHEET_NAMES", "csv_bytes", "xlsx_bytes"]

#: The sheet of each table of `scheduler.evidence.stats.Figures.tables`.
SHEET_NAMES = {"rows": "集計", "totals": "合計", "trend": "月別推移", "reach": "地区の到達"}


def _text(value: Any) -> Any:
    """Return a CSV cell: text that Excel would read as a formula gets a leading apostrophe (shown as text)."""
    return spreadsheet_text(value)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """Return a workbook cell: text stays text (openpyxl would store "=..." as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns


def csv_bytes(rows: Sequence[Mapping[str, Any]], headings: Mapping[str, str] | None = None) -> bytes:
    """One table as CSV, UTF-8 with a byte-order mark (Excel reads the Japanese right); empty cells for none.

    Each column is headed by its key, or by its words in `headings`.
    """
    out = io.StringIO(newline="")
    columns = _columns(rows)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([(headings or {}).get(c, c) for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _text(row.get(c)) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(tables: Mapping[str, Sequence[Mapping[str, Any]]], headings: Mapping[str, str] | None = None,
               sheet_names: Mapping[str, str] | None = None) -> bytes:
    """The tables as an Excel workbook, one sheet per table, a header row on each.

    Sheets are named by `sheet_names` (default `SHEET_NAMES`), columns headed as `csv_bytes` does.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    names = sheet_names or SHEET_NAMES
    for name, rows in tables.items():
        sheet = book.create_sheet(names.get(name, name)[:31])
        columns = _columns(rows)
        sheet.append([(headings or {}).get(c, c) for c in columns])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
