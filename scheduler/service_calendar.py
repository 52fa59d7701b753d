"""Service days and vehicle shifts of a planning week.

A service day is Monday to Friday, not a Japanese public holiday (jpholiday,
substitute holidays included) and not in the year-end break, 29 December to
3 January (年末年始).

Shifts come from each vehicle's working hours, workdays and lunch window. A
shift exception (運休) that covers the whole day removes the shift. A partial
exception (e.g. maintenance 8:30–12:00) cuts its hours out of the working
day, and the shift keeps the **longest remaining part** (the earlier one on a
tie): a vehicle is not sent out twice in one day. The lunch window is clipped
to that part; when what is left of it cannot hold the break, the shift has no
lunch break (``lunch_s == 0``, window collapsed to the shift start) because
the staff can eat during the exception.

An extra duty (``reason="extra_duty"``, 臨時運行) works the other way: the
vehicle runs that day, holiday or not, for the duty's hours (its usual hours
when none are given), and the day becomes a service day of the week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jpholiday

from scheduler.clock import city_today
from scheduler.domain import (
    EXTRA_DUTY,
    DomainError,
    SessionDetails,
    Shift,
    ShiftException,
    Vehicle,
)

#: Year-end break (年末年始): (month, day) pairs with no service.
YEAR_END_BREAK: frozenset[tuple[int, int]] = frozenset(
    {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
)


def is_service_day(day: dt.date) -> bool:
    """Return whether the service runs on `day` (weekday, no holiday, not 29 Dec–3 Jan)."""
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in YEAR_END_BREAK:
        return False
    return not jpholiday.is_holiday(day)


def day_off_name(day: dt.date) -> str:
    """Return the name of the holiday on `day` (成人の日, 年末年始), or ``""`` (a weekend, or a service day)."""
    if (day.month, day.day) in YEAR_END_BREAK:
        return "年末年始"
    return jpholiday.is_holiday_name(day) or ""


#: How many days after its day off a hall session may move: never as far as its next rule day.
MOVE_WITHIN_DAYS = 6


@dataclass(frozen=True)
class SessionDay:
    """A day a hall session's rule gives and the day it is held (`session_days_of_week`).

    ``held_on`` is None when the session is not held: its rule (``on_holiday``)
    cancels it, or no service day with the hall open follows within
    `MOVE_WITHIN_DAYS`. ``holiday`` names the rule day when it is a day off.
    """

    rule_day: dt.date
    held_on: dt.date | None
    holiday: str = ""
    rule: str = "move"  # the session's on_holiday rule

    @property
    def moved(self) -> bool:
        """Whether the rule day was a day off (the session moved, or is not held)."""
        return self.held_on != self.rule_day


def session_days_of_week(details: SessionDetails, week_start: dt.date, *,
                         is_service: Callable[[dt.date], bool] = is_service_day,
                         hall_open: Callable[[dt.date], bool] = lambda _day: True) -> list[SessionDay]:
    """Return a hall session's days that concern the week starting `week_start`, by rule day.

    A rule day that is a service day is held that day. A rule day that is a day
    off (holiday, 年末年始, weekend, no service) follows the session's
    ``on_holiday`` rule: ``move`` holds it on the next service day on which
    `hall_open` (the hall is open long enough), within `MOVE_WITHIN_DAYS` days,
    even in the next week; ``cancel`` does not hold it. Rule days of the week
    are listed whatever became of them, and those of the week before that move
    into this week too.
    """
    out = []
    for n in range(-7, 7):
        day = week_start + dt.timedelta(days=n)
        if not details.rule.occurs_on(day):
            continue
        if is_service(day):
            if n >= 0:
                out.append(SessionDay(day, day, rule=details.on_holiday))
            continue
        held = None
        if details.on_holiday == "move":
            later = (day + dt.timedelta(days=k) for k in range(1, MOVE_WITHIN_DAYS + 1))
            held = next((d for d in later if is_service(d) and hall_open(d)), None)
        if n >= 0 or (held is not None and held >= week_start):
            out.append(SessionDay(day, held, day_off_name(day), details.on_holiday))
    return out


def service_days(week_start: dt.date, exceptions: Iterable[ShiftException] = ()) -> list[dt.date]:
    """Return the service days of the week starting on the Monday `week_start`.

    A day with an extra duty among `exceptions` is a service day whatever the calendar says.
    """
    if week_start.weekday() != 0:
        raise DomainError.of("week_start", "{day} is not a Monday", day=week_start)
    extra = {e.day for e in exceptions if e.reason == EXTRA_DUTY}
    return [d for d in (week_start + dt.timedelta(days=i) for i in range(7)) if is_service_day(d) or d in extra]


def _subtract(span: tuple[int, int], cuts: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the parts of `span` outside every cut, in order (all seconds of day)."""
    parts = [span]
    for cut_start, cut_end in cuts:
        remaining = []
        for start, end in parts:
            if cut_end <= start or cut_start >= end:
                remaining.append((start, end))
                continue
            if start < cut_start:
                remaining.append((start, cut_start))
            if cut_end < end:
                remaining.append((cut_end, end))
        parts = remaining
    return parts


def shift_for_day(vehicle: Vehicle, day: dt.date,
                  exceptions: Iterable[ShiftException] = ()) -> Shift | None:
    """Return the vehicle's shift on `day`, or None when it does not run.

    Parameters
    ----------
    vehicle
        A stored vehicle (with an id).
    day
        Any date; non-service days and days outside the vehicle's workdays give None.
    exceptions
        Shift exceptions; those of other vehicles or days are ignored.
    """
    if vehicle.id is None:
        raise DomainError.of("", "vehicle {name!r}: has no id; store it before making shifts", name=vehicle.name)
    own = [e for e in exceptions if e.vehicle_id == vehicle.id and e.day == day]
    duty = next((e for e in own if e.reason == EXTRA_DUTY), None)
    own = [e for e in own if e.reason != EXTRA_DUTY]
    if not vehicle.active or (duty is None and (not is_service_day(day) or day.weekday() not in vehicle.workdays)):
        return None
    if any(e.start_s is None for e in own):
        return None
    hours = (vehicle.work_start_s, vehicle.work_end_s)
    if duty is not None and duty.start_s is not None:
        hours = (duty.start_s, duty.end_s)
    parts = _subtract(hours, ((e.start_s, e.end_s) for e in own))
    if not parts:
        return None
    # max() keeps the first of equally long parts, i.e. the earlier one.
    start_s, end_s = max(parts, key=lambda p: p[1] - p[0])
    lunch_from = max(vehicle.lunch_earliest_s, start_s)
    lunch_to = min(vehicle.lunch_latest_end_s, end_s)
    lunch_s = vehicle.lunch_s
    if lunch_s == 0 or lunch_to - lunch_from < lunch_s:
        lunch_from = lunch_to = start_s
        lunch_s = 0
    return Shift(vehicle_id=vehicle.id, day=day, start_s=start_s, end_s=end_s,
                 lunch_earliest_s=lunch_from, lunch_latest_end_s=lunch_to, lunch_s=lunch_s)


def shifts_for_week(vehicles: Iterable[Vehicle], week_start: dt.date,
                    exceptions: Iterable[ShiftException] = ()) -> list[Shift]:
    """Return every shift of the week, by day and then in the order of `vehicles`.

    Inactive vehicles, non-service days and days outside a vehicle's
    workdays give no shift; see the module docstring for exceptions.
    """
    exceptions = list(exceptions)
    vehicles = list(vehicles)
    shifts = []
    for day in service_days(week_start, exceptions):
        for vehicle in vehicles:
            shift = shift_for_day(vehicle, day, exceptions)
            if shift is not None:
                shifts.append(shift)
    return shifts


def parse_monday(text: str, *, what: str = "week") -> dt.date:
    """Parse an ISO date that must be a Monday (the start of a planning week).

    Raises
    ------
    DomainError
        If `text` is not a date like ``2026-11-30`` or not a Monday; the
        message names `what` and the weekday given.
    """
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise DomainError.of("", "{what} {text!r}: expected a date like 2026-11-30", what=what, text=text) from None
    if day.weekday() != 0:
        raise DomainError.of("", "{what} {day} is a {weekday}, not a Monday", what=what, day=day.isoformat(),
                             weekday=day.strftime("%A"))
    return day


def next_monday(today: dt.date | None = None) -> dt.date:
    """Return the Monday after `today` (default: today), the usual week to plan."""
    today = today or city_today()
    return today + dt.timedelta(days=7 - today.weekday())
