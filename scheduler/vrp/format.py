"""Rules of the problem format that every reader and writer shares.

These are facts of the format itself (``docs/PROBLEM_FORMAT.md``), not of one
reading of it: the solver (`scheduler.vrp.solver`), the validator
(`scheduler.vrp.validator`) and the service's exports all apply them the same
way, so they live here once.
"""

from __future__ import annotations

__all__ = ["COMMITMENT", "MAX_TIME", "REASON_CODES", "TOLD_MARGIN", "WEEKDAYS", "format_week_time", "route_cost"]

#: Latest time the format can express; used when no window is given.
MAX_TIME = 2**40
#: Priority of a commitment: the format's top tier, outweighing all other tasks together.
COMMITMENT = 100
#: Default ``told_margin``: seconds a service may start outside the time a resident was told
#: (``told_start``/``told_end``) before the resident counts as moved.
TOLD_MARGIN = 900
#: English weekday abbreviations of week time (0 = Monday 00:00).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def route_cost(fixed_cost: int, per_hour_cost: int, drive_s: int) -> int:
    """Return a route's reported cost: fixed cost plus driving time at the hourly rate.

    The hourly part is rounded to the nearest integer, halves up
    (``per_hour * drive_s / 3600``), as ``PROBLEM_FORMAT.md`` states.

    Parameters
    ----------
    fixed_cost
        The vehicle's ``costs.fixed``, charged once when the vehicle is used.
    per_hour_cost
        The vehicle's ``costs.per_hour``.
    drive_s
        Driving seconds of the route (the route's ``duration``).
    """
    return fixed_cost + (per_hour_cost * drive_s + 1800) // 3600


def format_week_time(t_s: int, *, seconds: bool = False) -> str:
    """Format week seconds (0 = Monday 00:00) as e.g. ``Tue 9:00``.

    Parameters
    ----------
    t_s
        Seconds since Monday 00:00 of the planning week; later weeks get a
        ``+Nw`` suffix.
    seconds
        Also show the seconds (``Tue 9:00:05``), for messages where a second
        matters (the validator's).
    """
    day, rest = divmod(int(t_s), 86400)
    week, weekday = divmod(day, 7)
    text = f"{WEEKDAYS[weekday]} {rest // 3600}:{rest % 3600 // 60:02d}"
    if seconds:
        text += f":{rest % 60:02d}"
    return text + (f" +{week}w" if week else "")


#: Codes of ``unassigned[].code`` (extension): why a task is not in the plan. A closed set:
#: code branches on these, people read the ``reason`` text (or words made from the code).
REASON_CODES: dict[str, str] = {
    "no_vehicle": "the problem has no vehicle",
    "skill": "no vehicle has all the task's skills",
    "capacity": "the task's amounts exceed the capacity of every vehicle with the skills",
    "max_tasks": "every suitable vehicle's max_tasks is too small for the task",
    "no_shift_in_window": "no suitable vehicle works during any of the task's time windows",
    "window_unreachable": "no suitable vehicle can reach the task inside its time windows and return in time",
    "shift_too_short": "no suitable vehicle can go there and back within its hours",
    "travel_limit": "the trip there and back exceeds every suitable vehicle's max_travel_time",
    "ride_time": "max_ride_time cannot be kept even on a direct trip (drive or windows force a longer ride)",
    "break": "the task fits a suitable vehicle alone only if the vehicle skipped its break",
    "vehicle_unusable": "every suitable vehicle's time window cannot hold its drive and breaks",
    "group": "the task's delivery group cannot be served together (no one vehicle or door time fits all of it)",
    "no_time": "the task could be served alone, but the plan has no room for it next to more valuable tasks",
    "not_solved": "the search found no plan at all within its time limit",
    "fixed_step_broken": "a step fixed or locked to a vehicle (vehicles[].steps) cannot be kept on it",
}
