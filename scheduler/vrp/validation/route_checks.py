"""The rules one route must keep, one check per concern.

Each check takes a `Route` and yields one line per broken rule, naming the
route and the step. `check_route` runs them all: the step checks on every
route, the whole-route checks (breaks taken, travel, driving figures, limits,
sums) only when every step is matched to the problem, since they need every
step's task.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scheduler.vrp.format import route_cost
from scheduler.vrp.validation.reading import TASK_KINDS, Window
from scheduler.vrp.validation.routes import Route, Step, at

__all__ = ["check_route"]


def check_route(route: Route) -> list[str]:
    """List every rule of one route that the solution breaks.

    Parameters
    ----------
    route
        A route whose steps have the right shape (see `read_routes`).
    """
    checks = _STEP_CHECKS + (_WHOLE_ROUTE_CHECKS if route.complete else ())
    return [error for check in checks for error in check(route)]


# ---------------------------------------------------------------- steps and their tasks


def check_depots(route: Route) -> Iterator[str]:
    """Begin at the start depot and finish at the end depot, with no start or end step elsewhere."""
    vehicle, steps, where = route.vehicle, route.steps, route.where
    if vehicle.start_index is not None:
        if not steps or steps[0].kind != "start":
            yield f"{where}: does not begin with a start step"
        elif steps[0].raw.get("location_index") != vehicle.start_index:
            yield (f"{where} step 0 (start): location {steps[0].raw.get('location_index')} is not the"
                   f" vehicle's start_index {vehicle.start_index}")
    if vehicle.end_index is not None:
        if not steps or steps[-1].kind != "end":
            yield f"{where}: does not finish with an end step"
        elif steps[-1].raw.get("location_index") != vehicle.end_index:
            yield (f"{where} step {len(steps) - 1} (end): location {steps[-1].raw.get('location_index')}"
                   f" is not the vehicle's end_index {vehicle.end_index}")
    for step in steps:
        if step.kind == "start" and (step.index != 0 or vehicle.start_index is None):
            yield f"{where} step {step.index}: unexpected start step"
        if step.kind == "end" and (step.index != len(steps) - 1 or vehicle.end_index is None):
            yield f"{where} step {step.index}: unexpected end step"


def check_known_ids(route: Route) -> Iterator[str]:
    """Name only tasks of the problem and breaks of the route's vehicle."""
    for step in route.steps:
        if not step.known and step.kind in TASK_KINDS:
            yield f"{step.label}: unknown {step.kind} id"
        elif not step.known:
            yield f"{step.label}: the vehicle has no break with this id"


def check_task_steps(route: Route) -> Iterator[str]:
    """Serve each task at its location, with the input's setup and service."""
    for step in route.task_steps():
        task, raw = step.task, step.raw
        if raw.get("location_index") != task.location_index:
            yield f"{step.label}: location {raw.get('location_index')} is not the task's {task.location_index}"
        if raw["setup"] != task.setup or raw["service"] != task.service:
            yield (f"{step.label}: setup/service {raw['setup']}/{raw['service']} differ from the"
                   f" input {task.setup}/{task.service}")


def check_skills(route: Route) -> Iterator[str]:
    """Give each task to a vehicle that has all its skills."""
    for step in route.task_steps():
        missing = step.task.skills - route.vehicle.skills
        if missing:
            yield f"{step.label}: vehicle lacks skills {sorted(missing)}"


def check_service_starts(route: Route) -> Iterator[str]:
    """Start each service inside one of the task's windows and inside the vehicle's time window."""
    first, last = route.vehicle.time_window
    for step in route.task_steps():
        if not _inside(step.begin, step.task.time_windows):
            yield f"{step.label}: service starts {at(step.begin)} outside its time windows"
        if not first <= step.begin <= last:
            yield f"{step.label}: service starts {at(step.begin)} outside the vehicle's time window"


def check_break_steps(route: Route) -> Iterator[str]:
    """Give each break its input length and start it inside one of its windows."""
    for step in route.break_steps():
        if step.raw["service"] != step.brk.service:
            yield f"{step.label}: length {step.raw['service']} differs from the input {step.brk.service}"
        if not _inside(step.begin, step.brk.time_windows):
            yield f"{step.label}: break starts {at(step.begin)} outside its time windows"


def check_loads(route: Route) -> Iterator[str]:
    """Report each step's load as recomputed, never negative nor over capacity.

    Job deliveries are on board from the start; a pickup adds its amount, a
    delivery removes it.
    """
    load = [0] * route.dimensions
    for step in route.task_steps():
        load = _plus(load, step.task.start_load)
    for step in route.steps:
        if not step.known:
            continue
        if step.task is not None:
            load = _plus(load, step.task.load_change)
        if step.raw.get("load") != load:
            yield f"{step.label}: reported load {step.raw.get('load')} but recomputed {load}"
        capacity = route.vehicle.capacity or [None] * len(load)
        for d, (amount, limit) in enumerate(zip(load, capacity)):
            if amount < 0:
                yield f"{step.label}: load {amount} in dimension {d} is negative"
            elif limit is not None and amount > limit:
                yield f"{step.label}: load {amount} in dimension {d} exceeds capacity {limit}"


# ---------------------------------------------------------------- the whole route


@dataclass
class _Leg:
    """The way from one non-break step to the next, with the breaks taken on it."""

    prev: Step | None
    breaks: list[Step]
    #: None for the breaks after the last step (an open end)
    next: Step | None


def check_breaks_taken(route: Route) -> Iterator[str]:
    """Take every break of the vehicle exactly once."""
    taken = Counter(step.brk.id for step in route.break_steps())
    for brk in route.vehicle.breaks.values():
        if taken[brk.id] != 1:
            yield f"{route.where}: break {brk.id} taken {taken[brk.id]} times (must be exactly once)"


def check_travel(route: Route) -> Iterator[str]:
    """Arrive no earlier than departure plus driving plus breaks, inside the vehicle's hours."""
    first, last = route.vehicle.time_window
    for leg in _legs(route):
        step = leg.next
        if step is None:
            continue
        if leg.prev is None and step.kind != "start" and not leg.breaks and step.arrival < first:
            yield f"{step.label}: arrives {at(step.arrival)} before the vehicle's time window"
        if leg.prev is not None:
            leaves, (drive_s, _) = leg.prev.departure, _drive(route, leg)
            breaks_s = sum(brk.raw["service"] for brk in leg.breaks)
            need = leaves + drive_s + breaks_s
            if step.arrival < need:
                yield (f"{step.label}: arrives {at(step.arrival)} but cannot arrive before {at(need)}"
                       f" (leaves {at(leaves)}, drives {drive_s} s, breaks {breaks_s} s)")
        if step.kind == "start" and step.arrival < first:
            yield f"{step.label}: leaves {at(step.arrival)} before the vehicle's time window"
        if step.kind == "end" and step.arrival > last:
            yield f"{step.label}: arrives {at(step.arrival)} after the vehicle's time window"


def check_break_placement(route: Route) -> Iterator[str]:
    """Take breaks one after another between two steps; after the last step, inside the vehicle's hours."""
    first, last = route.vehicle.time_window
    for leg in _legs(route):
        clock = leg.prev.departure if leg.prev is not None else first
        if leg.next is None:
            yield from _open_end_breaks(leg.breaks, clock, last)
            continue
        for brk in leg.breaks:
            if brk.begin < clock:
                yield (f"{brk.label}: starts {at(brk.begin)} before {at(clock)}, the previous"
                       " step's departure or break end")
            clock = max(clock, brk.begin) + brk.raw["service"]
        if leg.breaks and clock > leg.next.arrival:
            yield f"{leg.breaks[-1].label}: ends {at(clock)} after the next arrival {at(leg.next.arrival)}"


def _open_end_breaks(breaks: list[Step], clock: int, latest: int) -> Iterator[str]:
    """Check breaks after the last step: one after another, ending by `latest`."""
    for brk in breaks:
        if brk.begin < clock:
            yield f"{brk.label}: starts {at(brk.begin)} before the previous step ends"
        clock = max(clock, brk.begin) + brk.raw["service"]
        if clock > latest:
            yield f"{brk.label}: ends {at(clock)} after the vehicle's time window"


def check_step_figures(route: Route) -> Iterator[str]:
    """Report on each step the driving seconds and metres so far, as the matrices give them."""
    for step, drive_s, drive_m in _driving(route):
        if step.raw["duration"] != drive_s:
            yield f"{step.label}: reported driving so far {step.raw['duration']} but recomputed {drive_s}"
        if step.raw["distance"] != drive_m:
            yield f"{step.label}: reported distance so far {step.raw['distance']} but recomputed {drive_m}"


def check_limits(route: Route) -> Iterator[str]:
    """Serve at most max_tasks tasks and drive at most max_travel_time seconds."""
    vehicle = route.vehicle
    tasks = len(route.task_steps())
    if vehicle.max_tasks is not None and tasks > vehicle.max_tasks:
        yield f"{route.where}: {tasks} tasks exceed max_tasks {vehicle.max_tasks}"
    drive_s, _ = _total_driving(route)
    if vehicle.max_travel_time is not None and drive_s > vehicle.max_travel_time:
        yield f"{route.where}: drives {drive_s} s, more than max_travel_time {vehicle.max_travel_time}"


def check_route_figures(route: Route) -> Iterator[str]:
    """Report the route's sums and its cost (`route_cost` of the driving) as recomputed."""
    vehicle, tasks, breaks = route.vehicle, route.task_steps(), route.break_steps()
    drive_s, drive_m = _total_driving(route)
    expected = {
        "setup": sum(step.task.setup for step in tasks),
        "service": sum(step.task.service for step in tasks) + sum(step.brk.service for step in breaks),
        "duration": drive_s,
        "waiting_time": sum(step.raw["waiting_time"] for step in tasks + breaks),
        "priority": sum(step.task.priority for step in tasks),
        "distance": drive_m,
        "cost": route_cost(vehicle.fixed_cost, vehicle.per_hour_cost, drive_s),
    }
    for key, value in expected.items():
        if route.raw.get(key) != value:
            yield f"{route.where}: {key} is {route.raw.get(key)!r} but recomputed {value}"


# ---------------------------------------------------------------- helpers


def _inside(t: int, windows: list[Window]) -> bool:
    """Return whether `t` is in one of the windows; no windows means any time."""
    return not windows or any(start <= t <= end for start, end in windows)


def _plus(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip(a, b)]


def _legs(route: Route) -> list[_Leg]:
    """Return the route cut at its non-break steps."""
    legs, prev, pending = [], None, []
    for step in route.steps:
        if step.kind == "break":
            pending.append(step)
            continue
        legs.append(_Leg(prev=prev, breaks=pending, next=step))
        prev, pending = step, []
    if pending:
        legs.append(_Leg(prev=prev, breaks=pending, next=None))
    return legs


def _drive(route: Route, leg: _Leg) -> tuple[int, int]:
    """Return the seconds and metres driven on a leg (0 without two known locations)."""
    a = leg.prev.location if leg.prev is not None else None
    b = leg.next.location if leg.next is not None else None
    if a is None or b is None:
        return 0, 0
    return route.vehicle.durations[a][b], route.vehicle.distances[a][b]


def _driving(route: Route) -> list[tuple[Step, int, int]]:
    """Return each non-break step with the seconds and metres driven up to it."""
    so_far, drive_s, drive_m = [], 0, 0
    for leg in _legs(route):
        if leg.next is not None:
            leg_s, leg_m = _drive(route, leg)
            drive_s, drive_m = drive_s + leg_s, drive_m + leg_m
            so_far.append((leg.next, drive_s, drive_m))
    return so_far


def _total_driving(route: Route) -> tuple[int, int]:
    """Return the route's driving seconds and metres."""
    so_far = _driving(route)
    return (so_far[-1][1], so_far[-1][2]) if so_far else (0, 0)


RouteCheck = Callable[[Route], Iterator[str]]
_STEP_CHECKS: tuple[RouteCheck, ...] = (
    check_depots, check_known_ids, check_task_steps, check_skills, check_service_starts,
    check_break_steps, check_loads,
)
_WHOLE_ROUTE_CHECKS: tuple[RouteCheck, ...] = (
    check_breaks_taken, check_travel, check_break_placement, check_step_figures, check_limits,
    check_route_figures,
)
