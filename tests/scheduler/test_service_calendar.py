"""Tests of scheduler.service_calendar: service days around holidays, shifts and exceptions."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.domain import DomainError, ShiftException, Vehicle
from scheduler.service_calendar import (
    is_service_day,
    service_days,
    shift_for_day,
    shifts_for_week,
)

D = dt.date
H = 3600


def _van(id_: int = 1, **kwargs) -> Vehicle:
    return Vehicle(name=f"van {id_}", depot_site_id=1, id=id_, **kwargs)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 4, 28), True),  # Tue before Golden Week
        (D(2026, 4, 29), False),  # Wed, Shōwa Day
        (D(2026, 4, 30), True),
        (D(2026, 5, 1), True),  # Fri, an ordinary weekday
        (D(2026, 5, 4), False),  # Mon, Greenery Day
        (D(2026, 5, 5), False),  # Tue, Children's Day
        (D(2026, 5, 6), False),  # Wed, substitute holiday for Sun 3 May
        (D(2026, 5, 7), True),
        (D(2026, 5, 9), False),  # Saturday
        (D(2026, 12, 28), True),  # Mon, last service day of the year
        (D(2026, 12, 29), False),  # Tue, year-end break begins
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),  # New Year's Day (and year-end break)
        (D(2027, 1, 4), True),  # Mon, first service day of 2027
    ],
)
def test_is_service_day_holidays_and_year_end(day, expected):
    """Golden Week 2026 (incl. the 6 May substitute holiday) and 29 Dec–3 Jan have no service."""
    assert is_service_day(day) is expected


def test_service_days_of_golden_week_and_year_end():
    """Week of 4 May 2026 keeps Thu and Fri only; week of 28 Dec 2026 keeps Mon only."""
    assert service_days(D(2026, 5, 4)) == [D(2026, 5, 7), D(2026, 5, 8)]
    assert service_days(D(2026, 12, 28)) == [D(2026, 12, 28)]
    assert service_days(D(2027, 1, 4)) == [D(2027, 1, 4) + dt.timedelta(days=i) for i in range(5)]


def test_service_days_needs_a_monday():
    """A week start that is not a Monday is refused with the field named."""
    with pytest.raises(DomainError, match="week_start"):
        service_days(D(2026, 12, 1))


def test_shifts_for_week_respects_workdays_and_holidays():
    """Van 1 runs Mon–Fri, van 2 Tue/Thu; in Golden Week (Thu 7, Fri 8 May) that is 2 + 1 shifts."""
    vans = [_van(1), _van(2, workdays=(1, 3))]
    shifts = shifts_for_week(vans, D(2026, 5, 4))
    assert [(s.vehicle_id, s.day) for s in shifts] == [
        (1, D(2026, 5, 7)), (2, D(2026, 5, 7)), (1, D(2026, 5, 8))]
    first = shifts[0]
    # Default staff hours 8:30–17:15, lunch 60 min inside 11:30–13:30.
    assert (first.start_s, first.end_s) == (8 * H + 1800, 17 * H + 900)
    assert (first.lunch_earliest_s, first.lunch_latest_end_s, first.lunch_s) == (
        11 * H + 1800, 13 * H + 1800, H)


def test_inactive_vehicle_has_no_shift():
    """An inactive vehicle gets no shift at all."""
    assert shifts_for_week([_van(1, active=False)], D(2026, 11, 30)) == []


def test_whole_day_exception_removes_the_shift():
    """A whole-day exception on Tue 1 Dec 2026 leaves Mon, Wed, Thu, Fri."""
    exc = ShiftException(vehicle_id=1, day=D(2026, 12, 1))
    days = [s.day for s in shifts_for_week([_van(1)], D(2026, 11, 30), [exc])]
    assert days == [D(2026, 11, 30), D(2026, 12, 2), D(2026, 12, 3), D(2026, 12, 4)]


def test_exception_of_another_vehicle_is_ignored():
    """An exception of van 2 does not touch van 1's shift."""
    exc = ShiftException(vehicle_id=2, day=D(2026, 12, 1))
    assert shift_for_day(_van(1), D(2026, 12, 1), [exc]) is not None


def test_morning_maintenance_keeps_the_afternoon_and_lunch():
    """Maintenance 8:30–12:00 leaves 12:00–17:15; lunch window clipped to 12:00–13:30 still holds 60 min."""
    exc = ShiftException(vehicle_id=1, day=D(2026, 12, 1), start_s=8 * H + 1800, end_s=12 * H)
    shift = shift_for_day(_van(1), D(2026, 12, 1), [exc])
    assert (shift.start_s, shift.end_s) == (12 * H, 17 * H + 900)
    assert (shift.lunch_earliest_s, shift.lunch_latest_end_s, shift.lunch_s) == (12 * H, 13 * H + 1800, H)


def test_midday_exception_keeps_the_longest_part_without_lunch():
    """Absence 11:00–13:00 leaves 8:30–11:00 (2.5 h) and 13:00–17:15 (4.25 h): the afternoon wins.

    The lunch window 11:30–13:30 clipped to 13:00–17:15 is 13:00–13:30, too short
    for 60 min, so the shift has no lunch break.
    """
    exc = ShiftException(vehicle_id=1, day=D(2026, 12, 1), reason="absence", start_s=11 * H, end_s=13 * H)
    shift = shift_for_day(_van(1), D(2026, 12, 1), [exc])
    assert (shift.start_s, shift.end_s) == (13 * H, 17 * H + 900)
    assert shift.lunch_s == 0


def test_two_partial_exceptions_and_tie_keeps_the_earlier_part():
    """Work 9:00–17:00 minus 11:00–12:00 and 14:00–15:00: parts 2 h, 2 h, 2 h; the first is kept."""
    van = _van(1, work_start_s=9 * H, work_end_s=17 * H)
    excs = [ShiftException(1, D(2026, 12, 1), start_s=11 * H, end_s=12 * H),
            ShiftException(1, D(2026, 12, 1), start_s=14 * H, end_s=15 * H)]
    shift = shift_for_day(van, D(2026, 12, 1), excs)
    assert (shift.start_s, shift.end_s) == (9 * H, 11 * H)


def test_exception_covering_all_hours_removes_the_shift():
    """A partial exception 8:00–18:00 covers 8:30–17:15 entirely: no shift."""
    exc = ShiftException(1, D(2026, 12, 1), start_s=8 * H, end_s=18 * H)
    assert shift_for_day(_van(1), D(2026, 12, 1), [exc]) is None


def test_vehicle_without_id_is_refused():
    """Shifts need stored vehicles; a vehicle without id gives a clear error."""
    with pytest.raises(DomainError, match="has no id"):
        shift_for_day(Vehicle(name="new van", depot_site_id=1), D(2026, 12, 1))


def test_extra_duty_runs_on_a_holiday_with_its_own_hours():
    """A holiday duty on Mon 23 Nov 2026 (勤労感謝の日) 9:00–15:00 adds that day and that shift only."""
    holiday = D(2026, 11, 23)
    duty = ShiftException(1, holiday, reason="extra_duty", start_s=9 * H, end_s=15 * H)
    assert holiday not in service_days(holiday)
    assert service_days(holiday, [duty])[0] == holiday
    shift = shift_for_day(_van(1), holiday, [duty])
    assert (shift.start_s, shift.end_s) == (9 * H, 15 * H)
    assert shift_for_day(_van(2), holiday, [duty]) is None  # another van stays off
    days = [s.day for s in shifts_for_week([_van(1), _van(2)], holiday, [duty]) if s.vehicle_id == 1]
    assert days[0] == holiday and len(days) == 5


def test_extra_duty_without_hours_uses_the_usual_hours_on_a_saturday():
    """A Saturday duty with no hours given runs the van's usual 8:30–17:15."""
    saturday = D(2026, 12, 5)
    shift = shift_for_day(_van(1), saturday, [ShiftException(1, saturday, reason="extra_duty")])
    assert (shift.start_s, shift.end_s) == (8 * H + 1800, 17 * H + 900)


def test_unknown_exception_reason_is_refused():
    """A reason outside the closed set is refused, naming the field."""
    with pytest.raises(DomainError, match="reason"):
        ShiftException(1, D(2026, 12, 1), reason="party")
