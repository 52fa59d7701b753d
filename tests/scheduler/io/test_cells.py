"""Cells of the files staff open in Excel (scheduler/io/cells.py): text is never a formula."""

from scheduler.io.cells import safe_row, spreadsheet_text


def test_text_excel_would_run_gets_an_apostrophe():
    for formula in ("=1+1", "+81 90", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheet_text(formula) == "'" + formula


def test_other_cells_are_left_as_they_are():
    assert safe_row(["山里地区", "A=1", 5, -3, None, 1.5, ""]) == ["山里地区", "A=1", 5, -3, None, 1.5, ""]
