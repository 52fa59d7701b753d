"""Cells of the CSV and Excel files staff open: text never read as a formula (CSV injection).

A cell beginning with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula
to Excel: a district, a site's or a vehicle's city id or a login entered as
``=HYPERLINK(...)`` would run when the file is opened. Every file odekake writes for
staff passes its text cells through `spreadsheet_text` (the figures' exports, the
day's timeline, the audit log).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_START", "safe_row", "spreadsheet_text"]

#: What a formula begins with, to Excel and its kin.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """Return a cell: text Excel would read as a formula gets a leading apostrophe (shown as text); others as they are."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Return a CSV row with every text cell made safe (`spreadsheet_text`)."""
    return [spreadsheet_text(v) for v in values]
