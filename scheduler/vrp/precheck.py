"""Check every task on its own before the search: who could serve it alone, or why nobody can.

`prepare` turns a parsed `Problem` into the plain-data `Model` the search
builds on. For each task (a job, or a shipment's two halves together) it
tries every vehicle that has the skills, the capacity and room under
``max_tasks``, serving the task alone on an otherwise empty route that
starts and ends inside the vehicle's hours, takes every break inside its
windows and keeps ``max_travel_time`` and ``max_ride_time``. The vehicles
that pass are the only ones the search may give the task to; a task that no
vehicle passes is left out of the search with a code of
`scheduler.vrp.format.REASON_CODES` and an English reason, so one
impossible task never reaches, let alone sinks, the search.

Vehicles that cannot even drive from start to end and take their breaks
inside their hours serve nothing (code ``vehicle_unusable`` when no other
vehicle could serve a task); the problem is still solved with the others.

The trip of a task alone is timed the way the validator times a route
(``PROBLEM_FORMAT.md``): service starts at the earliest moment inside a
window, waiting is free, and a break may be taken anywhere between two stops
(driving, or waiting at the door). Every way of putting the breaks between
the stops is tried (a vehicle has one or two breaks; a task has one or two
stops). For a shipment with ``max_ride_time`` the pick-up is delayed, when
the delivery's window forces waiting, until the ride is short enough.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from scheduler.vrp.format import format_week_time
from scheduler.vrp.model import Model, Task
from scheduler.vrp.problem import Break, Problem, Vehicle

__all__ = ["door_windows", "format_window", "prepare", "start_after"]


def format_window(window: tuple[int, int]) -> str:
    """Format a window of week seconds as ``Tue 9:00–9:30`` (both ends when days differ)."""
    start, end = format_week_time(window[0]), format_week_time(window[1])
    if start.split(" ")[0] == end.split(" ")[0] and start.split(" ")[2:] == end.split(" ")[2:]:
        return f"{start}–{end.split(' ')[1]}"
    return f"{start}–{end}"


def _travel(problem: Problem, profile: str, a: int | None, b: int | None) -> int:
    if a is None or b is None:
        return 0
    return problem.durations[profile][a][b]


def _tasks(problem: Problem) -> list[Task]:
    tasks: list[Task] = []
    zeros = [0] * problem.dimensions
    margin = problem.told_margin
    holder = {(step.kind, step.id): k for k, v in enumerate(problem.vehicles) for step in v.steps}

    def told(step) -> tuple[int, int] | None:
        return None if step.told is None else (step.told[0] - margin, step.told[1] + margin)

    for job in problem.jobs:
        tasks.append(Task("job", job.id, job.location_index, job.setup, job.service,
                          job.time_windows, job.skills, job.priority, job.description,
                          job.delivery, job.pickup, told=told(job), held=holder.get(("job", job.id))))
    for s, ship in enumerate(problem.shipments):
        first = len(tasks)
        # a shipment is held to the vehicle holding either half
        held = holder.get(("pickup", ship.pickup.id), holder.get(("delivery", ship.delivery.id)))
        for kind, step in (("pickup", ship.pickup), ("delivery", ship.delivery)):
            tasks.append(Task(kind, step.id, step.location_index, step.setup, step.service,
                              step.time_windows, ship.skills, ship.priority, step.description,
                              zeros, zeros, shipment=s, partner=first + (kind == "pickup"),
                              told=told(step), held=held))
    return tasks


def start_after(window_list, earliest: int) -> int | None:
    """Return the first start >= earliest inside the windows (any time without windows), or None."""
    if not window_list:
        return earliest
    for start, end in window_list:
        if earliest <= end:
            return max(earliest, start)
    return None


# ----------------------------------------------------------------------------- one trip alone


@dataclass(frozen=True)
class _Step:
    location: int
    on_site: int
    windows: tuple[tuple[int, int], ...]


def _leg_arrival(clock: int, travel: int, breaks: list[Break]) -> int | None:
    """Return the earliest arrival of a leg leaving at `clock` with these breaks on the way, or None.

    A break can be taken while driving or while waiting at the door, so with
    one break starting at ``s`` the arrival is ``max(clock + travel, s) + length``.
    """
    end = clock
    for brk in breaks:
        start = start_after(brk.time_windows, end)
        if start is None:
            return None
        end = start + brk.service
    return max(clock + travel + sum(b.service for b in breaks), end)


def _timed(problem: Problem, v: Vehicle, steps: list[_Step], legs: list[list[Break]], *,
           first_at: int | None) -> tuple[str | None, list[int]]:
    """Time the steps alone on `v` with the breaks on the given legs; return (failure, service starts).

    The failure is None, ``"window"`` (a window or the shift's end is missed
    where windows bind), ``"shift"`` (no window, the shift is too short),
    ``"break"`` (a break cannot start inside its windows) or ``"travel"``.
    """
    tw_end = v.time_window[1]
    clock, here, drive, starts = v.time_window[0], v.start_index, 0, []
    timed_windows = any(s.windows for s in steps)
    for i, step in enumerate(steps):
        leg = _travel(problem, v.profile, here, step.location)
        arrival = _leg_arrival(clock, leg, legs[i])
        if arrival is None:
            return "break", starts
        lower = arrival if i or first_at is None else max(arrival, first_at)
        begin = start_after(step.windows, lower)
        if begin is None or begin > tw_end:
            return ("window" if timed_windows else "shift"), starts
        starts.append(begin)
        drive += leg
        clock, here = begin + step.on_site, step.location
    back = _travel(problem, v.profile, here, v.end_index)
    arrival = _leg_arrival(clock, back, legs[len(steps)])
    if arrival is None:
        return "break", starts
    if arrival > tw_end:
        return ("window" if timed_windows else "shift"), starts
    if v.max_travel_time is not None and drive + back > v.max_travel_time:
        return "travel", starts
    return None, starts


def _with_ride(problem: Problem, v: Vehicle, steps: list[_Step], legs: list[list[Break]],
               ride_s: int | None) -> str | None:
    """Time the steps (see `_timed`) and keep a pick-up → delivery ride within `ride_s`.

    When the delivery's window makes the ride too long, the pick-up waits
    (starts later) and the trip is timed again, a few times at most.
    """
    first_at = None
    for _ in range(4):
        failure, starts = _timed(problem, v, steps, legs, first_at=first_at)
        if failure is not None:
            return "ride" if first_at is not None and failure == "window" else failure
        if ride_s is None or len(starts) < 2:
            return None
        ride = starts[1] - (starts[0] + steps[0].on_site)
        if ride <= ride_s:
            return None
        first_at = starts[1] - steps[0].on_site - ride_s
    return "ride"


def _placements(breaks: list[Break], n_legs: int):
    """Yield every way to put the breaks (in window order) on the legs: lists of breaks per leg."""
    ordered = sorted(breaks, key=lambda b: b.time_windows[0][0] if b.time_windows else 0)
    for legs in itertools.combinations_with_replacement(range(n_legs), len(ordered)):
        per_leg: list[list[Break]] = [[] for _ in range(n_legs)]
        for brk, leg in zip(ordered, legs):
            per_leg[leg].append(brk)
        yield per_leg


def _trip_failure(problem: Problem, v: Vehicle, steps: list[_Step], ride_s: int | None) -> str | None:
    """Return None when `v` can serve the steps alone in order, else why not.

    ``"break"`` means the trip fits the vehicle's hours only without its breaks.
    """
    no_breaks = [[] for _ in range(len(steps) + 1)]
    failure = _with_ride(problem, v, steps, no_breaks, ride_s)
    if failure is not None or not v.breaks:
        return failure
    for legs in _placements(v.breaks, len(steps) + 1):
        if _with_ride(problem, v, steps, legs, ride_s) is None:
            return None
    return "break"


def _vehicle_runs(problem: Problem, v: Vehicle) -> bool:
    """Return whether `v` can drive from its start to its end and take every break in its hours."""
    return _trip_failure(problem, v, [], None) is None


# ----------------------------------------------------------------------------- reasons


def _reason(code: str, windows: list[tuple[int, int]]) -> tuple[str, str]:
    """Return (code, English reason) for a task no vehicle can serve alone."""
    shown = ", ".join(format_window(w) for w in windows[:4])
    text = {
        "break": f"fits a vehicle only if the crew skipped its break{f' (time window {shown})' if shown else ''}",
        "ride_time": "max_ride_time cannot be kept even on a direct trip with these time windows",
        "travel_limit": "the trip there and back exceeds every suitable vehicle's max_travel_time",
        "no_shift_in_window": f"no suitable vehicle works during time window {shown}",
        "window_unreachable": f"time window {shown} cannot be reached from any depot in time",
        "shift_too_short": "cannot be reached and returned from within any shift's hours",
    }[code]
    return code, text


def _failure_code(failures: list[str], windows: list[tuple[int, int]], vehicles: list[Vehicle]) -> str:
    """Pick the most telling code among the vehicles' failures."""
    for failure, code in (("break", "break"), ("ride", "ride_time"), ("travel", "travel_limit")):
        if failure in failures:
            return code
    if "window" in failures:
        overlaps = any(w[0] <= v.time_window[1] and v.time_window[0] <= w[1] for w in windows for v in vehicles)
        return "window_unreachable" if overlaps else "no_shift_in_window"
    return "shift_too_short"


# ----------------------------------------------------------------------------- prepare


class _Checker:
    """Decide, task by task, which vehicles could serve it alone (cached per kind of vehicle)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.vehicles = problem.vehicles
        self.caps = [problem.capacity_of(v) for v in self.vehicles]
        self.unusable = [k for k, v in enumerate(self.vehicles) if not _vehicle_runs(problem, v)]
        # vehicles alike in everything a trip alone depends on share one check
        self.kind = [self._kind(v) for v in self.vehicles]
        self._cache: dict[tuple, str | None] = {}

    @staticmethod
    def _kind(v: Vehicle) -> tuple:
        breaks = tuple((tuple(map(tuple, b.time_windows)), b.service) for b in v.breaks)
        return (v.profile, v.start_index, v.end_index, tuple(v.time_window), breaks, v.max_travel_time)

    def failure(self, k: int, steps: list[_Step], ride_s: int | None) -> str | None:
        key = (self.kind[k], tuple(steps), ride_s)
        if key not in self._cache:
            self._cache[key] = _trip_failure(self.problem, self.vehicles[k], steps, ride_s)
        return self._cache[key]

    def candidates(self, tasks: list[Task], group: list[int]) -> tuple[list[int], tuple[str, str] | None]:
        """Return the vehicles with the skills, capacity and max_tasks for the group, or why none."""
        problem, vehicles, task = self.problem, self.vehicles, tasks[group[0]]
        if not vehicles:
            return [], ("no_vehicle", "no vehicle")
        need = set(task.skills)
        skilled = [k for k, v in enumerate(vehicles) if need <= set(v.skills)]
        if not skilled:
            return [], ("skill", f"no vehicle has skills {sorted(need)}")
        amounts = [task.delivery, task.pickup] if task.kind == "job" else [problem.shipments[task.shipment].amount]
        big = [k for k in skilled if all(a[d] <= self.caps[k][d] for a in amounts for d in range(len(a)))]
        if not big:
            need_amount = [max(a[d] for a in amounts) for d in range(problem.dimensions)]
            return [], ("capacity", f"too large for the capacity of any vehicle with the skills (needs {need_amount})")
        few = [k for k in big if vehicles[k].max_tasks is None or vehicles[k].max_tasks >= len(group)]
        if not few:
            return [], ("max_tasks", "every suitable vehicle has max_tasks too small")
        running = [k for k in few if k not in self.unusable]
        if not running:
            return [], ("vehicle_unusable", "every suitable vehicle is too short a shift to drive and take its breaks")
        if task.kind == "pickup":
            ship = problem.shipments[task.shipment]
            drop = tasks[task.partner]
            direct = min(_travel(problem, vehicles[k].profile, task.location, drop.location) for k in running)
            if ship.max_ride_time is not None and direct > ship.max_ride_time:
                return [], ("ride_time", (f"max_ride_time {ship.max_ride_time // 60} min is shorter than the direct"
                                          f" drive from pickup to delivery ({direct // 60} min)"))
        return running, None

    def fit(self, few: list[int], steps: list[_Step], ride_s: int | None) -> tuple[list[int], list[str]]:
        """Return the vehicles of `few` that can serve the steps alone, and the others' failures."""
        ok, failures = [], []
        for k in few:
            failure = self.failure(k, steps, ride_s)
            if failure is None:
                ok.append(k)
            else:
                failures.append(failure)
        return ok, failures


def prepare(problem: Problem) -> Model:
    """Check every task alone and decide which vehicles could serve it (see the module docstring)."""
    tasks = _tasks(problem)
    checker = _Checker(problem)
    model = Model(problem=problem, tasks=tasks, reasons={}, allowed={}, unusable=checker.unusable)
    for t, task in enumerate(tasks):
        if task.kind == "delivery":
            continue  # decided together with its pickup
        group = [t] if task.kind == "job" else [t, task.partner]
        few, reason = checker.candidates(tasks, group)
        if reason is None:
            reason = _fit_group(checker, model, group, few)
        for g in group:
            if reason is None:
                model.allowed[g] = model.allowed[group[0]]
            else:
                model.reasons[g] = reason
    for members in _delivery_groups(problem, tasks):
        model.groups.append(members)
        _fit_delivery_group(checker, model, members)
    model.modelled = [t for t in range(len(tasks)) if t not in model.reasons]
    return model


def _fit_group(checker: _Checker, model: Model, group: list[int], few: list[int]) -> tuple[str, str] | None:
    """Record the vehicles that can serve the group alone in `model`; return why none can, or None."""
    tasks, problem = model.tasks, model.problem
    task = tasks[group[0]]
    windows = [w for g in group for w in tasks[g].windows]
    if task.kind == "job" and len(task.windows) > 1:
        # one alternative node per window, each with the vehicles that can reach it
        options, failures = [], []
        for w in task.windows:
            fit, failed = checker.fit(few, [_Step(task.location, task.on_site_s, (tuple(w),))], None)
            failures += failed
            if fit:
                options.append((w, fit))
        ok = sorted({k for _, fit in options for k in fit})
        if ok:
            model.alternatives[group[0]] = options
    else:
        steps = [_Step(tasks[g].location, tasks[g].on_site_s, tuple(map(tuple, tasks[g].windows))) for g in group]
        ride_s = problem.shipments[task.shipment].max_ride_time if task.kind == "pickup" else None
        ok, failures = checker.fit(few, steps, ride_s)
    if not ok:
        return _reason(_failure_code(failures, windows, [checker.vehicles[k] for k in few]), windows)
    model.allowed[group[0]] = ok
    return None


# ----------------------------------------------------------------------------- delivery groups

#: Groups up to this size have every order of their pick-ups tried alone; larger ones only the listed order.
_PICKUP_ORDERS_UP_TO = 4


def _delivery_groups(problem: Problem, tasks: list[Task]) -> list[list[int]]:
    """Return the pickups' task indices of each ``delivery_group`` of two or more shipments."""
    by_name: dict[str, list[int]] = {}
    for t, task in enumerate(tasks):
        if task.kind == "pickup":
            name = problem.shipments[task.shipment].delivery_group
            if name is not None:
                by_name.setdefault(name, []).append(t)
    return [members for members in by_name.values() if len(members) > 1]


def door_windows(deliveries: list[tuple[list[tuple[int, int]], int]]) -> list[tuple[int, int]] | None:
    """Return when the first of a group's deliveries may start so that each next starts as the previous ends.

    Parameters
    ----------
    deliveries
        (windows, on-site seconds) of each delivery in the order they are made;
        empty windows mean any time.

    Returns
    -------
    list or None
        The start windows of the first delivery (empty: any time), or None
        when no start lets every delivery begin inside its own windows.
    """
    allowed: list[tuple[int, int]] | None = None  # None: any time so far
    offset = 0
    for windows, on_site in deliveries:
        if windows:
            shifted = [(s - offset, e - offset) for s, e in windows]
            allowed = shifted if allowed is None else [
                (max(a, c), min(b, d)) for a, b in allowed for c, d in shifted if max(a, c) <= min(b, d)]
            if not allowed:
                return None
        offset += on_site
    return allowed or []


def _fit_delivery_group(checker: _Checker, model: Model, members: list[int]) -> None:
    """Let the group's tasks onto the vehicles that can serve the whole group alone, or leave all of it out.

    A member that no vehicle can serve alone takes the others with it (its
    code, and the others say why); otherwise the vehicles must be common to
    every member, carry the sum of the amounts, allow every task, and
    serve all the pick-ups (in some order) and then the deliveries one after
    another at the door.
    """
    tasks = model.tasks
    group = [t for p in members for t in (p, tasks[p].partner)]
    failing = next((p for p in members if p in model.reasons), None)
    if failing is not None:
        code, reason = model.reasons[failing]
        shared = (code, f"delivered together with pickup {tasks[failing].id}, which cannot be served: {reason}")
        for t in group:
            model.reasons.setdefault(t, shared)
        return
    reason = _group_reason(checker, model, members)
    for t in group:
        if reason is None:
            model.allowed[t] = model.allowed[members[0]]
        else:
            model.allowed.pop(t, None)
            model.reasons[t] = reason


def _group_reason(checker: _Checker, model: Model, members: list[int]) -> tuple[str, str] | None:
    """Record the vehicles able to serve the whole group alone on its first pickup; return why none can."""
    problem, tasks = model.problem, model.tasks
    common = [k for k in model.allowed[members[0]] if all(k in model.allowed[p] for p in members)]
    if not common:
        return "group", "no one vehicle can serve every shipment of its delivery group"
    total = [sum(problem.shipments[tasks[p].shipment].amount[d] for p in members) for d in range(problem.dimensions)]
    big = [k for k in common if all(a <= c for a, c in zip(total, checker.caps[k]))]
    if not big:
        return "capacity", f"its delivery group together is too large for any vehicle that could serve it (needs {total})"
    few = [k for k in big if checker.vehicles[k].max_tasks is None or checker.vehicles[k].max_tasks >= 2 * len(members)]
    if not few:
        return "max_tasks", "every vehicle that could serve its delivery group has max_tasks too small for all of it"
    drops = [tasks[tasks[p].partner] for p in members]
    door = door_windows([(d.windows, d.on_site_s) for d in drops])
    if door is None:
        return "group", "the delivery group's time windows leave no time to hand over every order in one visit"
    step = _Step(drops[0].location, sum(d.on_site_s for d in drops), tuple(map(tuple, door)))
    orders = (itertools.permutations(members) if len(members) <= _PICKUP_ORDERS_UP_TO else [members])
    ok: set[int] = set()
    failures: list[str] = []
    for order in orders:
        steps = [_Step(tasks[p].location, tasks[p].on_site_s, tuple(map(tuple, tasks[p].windows))) for p in order]
        fit, failed = checker.fit([k for k in few if k not in ok], [*steps, step], None)
        ok.update(fit)
        failures += failed
    if not ok:
        code, text = _reason(_failure_code(failures, door, [checker.vehicles[k] for k in few]), door)
        return code, f"together with the rest of its delivery group: {text}"
    model.allowed[members[0]] = [k for k in few if k in ok]
    return None
