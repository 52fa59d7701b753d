"""Tests of scheduler.io.staff_text: the grammar of what staff type, read the same in a CSV cell and a form field."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.errors import InputError
from scheduler.io.staff_text import (
    format_opening_hours,
    parse_cell,
    parse_date,
    parse_weekdays,
)

H = 3600


def test_hours_as_staff_type_them_in_japanese():
    """9時から17時, 9時～17時, full-width 9:00-17:00, 9時半 and 月から金 read as the same hours a form or a cell means."""
    every_day = {wd: ((9 * H, 17 * H),) for wd in range(7)}
    for text in ("9時から17時", "9時～17時", "9時〜17時", "９：００－１７：００", "9:00-17:00"):
        assert parse_cell("opening_hours", text) == every_day, text
    assert parse_cell("opening_hours", "月から金 9時から12時半,13時30分～17時; 土 休み") == {
        wd: ((9 * H, 12 * H + 1800), (13 * H + 1800, 17 * H)) for wd in range(5)}


def test_opening_hours_written_back_read_as_the_same_hours():
    """format_opening_hours groups consecutive days with the same hours; parse_cell reads its text back unchanged."""
    hours = {wd: ((9 * H, 12 * H + 1800), (14 * H, 18 * H)) for wd in range(5)} | {5: ((9 * H, 12 * H),)}
    text = format_opening_hours(hours)
    assert text == "月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00"
    assert parse_cell("opening_hours", text) == hours
    assert format_opening_hours({}) == ""


def test_days_and_dates_as_staff_write_them():
    """月-金, mon;wed;fri and 2026/12/1 (as Excel rewrites dates) read; a backwards range is refused naming it."""
    assert parse_weekdays("月-金") == parse_weekdays("mon-fri") == (0, 1, 2, 3, 4)
    assert parse_weekdays("mon;wed;fri") == (0, 2, 4)
    assert parse_date("2026/12/1") == parse_date("２０２６-12-01") == dt.date(2026, 12, 1)
    with pytest.raises(InputError, match="the range runs backwards"):
        parse_weekdays("金-月")
