"""The command line's shared helpers (scheduler/cli/common.py)."""

import datetime as dt

import pytest

from routing.errors import InputError
from scheduler.cli.common import city_moment


def test_a_time_without_offset_is_the_citys_time():
    assert city_moment("2026-12-01T11:00", "from") == dt.datetime(2026, 12, 1, 11, 0)


def test_a_time_with_an_offset_is_converted_to_the_citys_zone(monkeypatch):
    """02:00 UTC is 11:00 in Tokyo: a time with an offset is not read as the city's clock."""
    monkeypatch.setenv("ODEKAKE_TIME_ZONE", "Asia/Tokyo")
    assert city_moment("2026-12-01T02:00:30.5+00:00", "from") == dt.datetime(2026, 12, 1, 11, 0, 30)


def test_a_bad_time_names_its_field():
    with pytest.raises(InputError) as caught:
        city_moment("tomorrow", "until")
    assert caught.value.field == "until"
    assert "2026-12-01T08:00" in str(caught.value)
