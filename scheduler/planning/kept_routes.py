"""The kept routes of a day re-plan: each van keeps its stops to come, the rest inserted into their told times.

`scheduler.planning.replan_day` solves the rest of a day with told times; a
search stopped early (a solution limit, a short time limit) may still move
residents that simply keeping the routes would not. `kept_candidate` builds
that other answer from the day problem with the exact insertion of
`scheduler.vrp.insertion.Routes` (the construction's timing), and
`better_than_kept` keeps whichever of the two is better by the format's
objective (`scheduler.planning.told.objective`: commitments, residents moved,
weight, driving), as `scheduler.planning.told` does for a published week.

Two gaps of `Routes` are worked around here: it does not read a vehicle's
fixed or locked steps (``scheduler.vrp.held`` is not applied), so an
insertion before a vehicle's fixed steps is refused and tried on the other
vehicles, and a locked request is inserted on its own vehicle only; and
`Routes.apply` may refuse an insertion `Routes.insert` timed (seen with riders
on board), which then counts as not fitting on that vehicle.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from scheduler.planning.told import better, objective
from scheduler.vrp.format import MAX_TIME
from scheduler.vrp.insertion import Insertion, Routes
from scheduler.vrp.problem import parse_problem
from scheduler.vrp.validator import validate

if TYPE_CHECKING:
    from scheduler.compiler import CompiledWeek
    from scheduler.domain import PlanStop

__all__ = ["Steps", "better_than_kept", "kept_and_inserted", "kept_candidate", "kept_routes", "problem_units"]

log = logging.getLogger(__name__)


class VanState(Protocol):
    """What is read of a van here (`scheduler.planning.replan_day.VanState`): its published stops still to come."""

    rest: list[PlanStop]


def kept_routes(problem: dict, compiled: CompiledWeek, vans: dict[int, VanState]
                ) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Return each vehicle's stops still to come as the day problem's task ids (its fixed steps first), and their starts."""
    tid_of = {}
    for tid in _task_dicts_by_id(problem):
        ref = compiled.tasks[tid]
        tid_of.setdefault((ref.request_id, ref.kind, ref.part), tid)
    routes, starts = {}, {}
    for vehicle in problem["vehicles"]:
        van = vans.get(compiled.vehicles[vehicle["id"]].vehicle_id)
        fixed = [step["id"] for step in vehicle.get("steps", ()) if step.get("fixed")]
        route = list(fixed)
        for stop in van.rest if van is not None else ():
            tid = tid_of.get((stop.request_id, stop.step_type, stop.part or 0))
            if tid is not None and tid not in route:
                route.append(tid)
                starts[tid] = stop.start_s
        routes[vehicle["id"]] = route
    return routes, starts


def kept_candidate(problem: dict, compiled: CompiledWeek, vans: dict[int, VanState], margin_s: int) -> dict | None:
    """Return the solution that keeps every van's stops to come and inserts the rest where it moves fewest.

    The day problem's units are its requests (a job, a shipment, an errand's
    shipments), commitments first, then by priority (`kept_and_inserted`).
    """
    routes_in, starts = kept_routes(problem, compiled, vans)
    present = _task_dicts_by_id(problem)
    units = [[t for t in compiled.request_tasks[rid] if t in present]
             for rid in sorted(compiled.request_tasks, key=lambda r: (-compiled.priorities.get(r, 0), r))]
    return kept_and_inserted(problem, routes_in, starts, [u for u in units if u], margin_s)


def problem_units(problem: dict) -> list[list[int]]:
    """Return a problem's units (a job; a shipment's pick-up and delivery), commitments first, then by priority."""
    units = [(-job.get("priority", 0), [job["id"]]) for job in problem.get("jobs", ())]
    units += [(-ship.get("priority", 0), [ship["pickup"]["id"], ship["delivery"]["id"]])
              for ship in problem.get("shipments", ()) if "delivery_group" not in ship]
    return [unit for _, unit in sorted(units, key=lambda u: (u[0], u[1][0]))]


def kept_and_inserted(problem: dict, routes_in: dict[int, list[int]], starts: dict[int, int],
                      units: list[list[int]], margin_s: int) -> dict | None:
    """Return the solution that keeps `routes_in` and inserts `units` where they move fewest; None if invalid.

    Each vehicle keeps its route (task ids after its fixed steps, in order),
    none before its start in `starts` (the residents told stay told); a task
    no vehicle can reach is dropped from it. A kept route the day no longer
    allows (e.g. riders on board dropped first make it late) gets its own
    units back one by one, each where it fits on that vehicle. Then every
    other unit is inserted in the order given. Every insertion tries the
    told time (+- the margin), then not before it, then any time; never
    before a vehicle's fixed steps, a locked task only on its vehicle.
    None when the answer breaks a rule of the problem.
    """
    unit_of = {t: unit for unit in units for t in unit}
    parsed = parse_problem(problem)  # read once (its matrices are the slow part), timed three times below
    routes = Routes(parsed, routes_in, not_before=starts, repair=False)
    cannot = {t for route in routes_in.values() for t in route if routes.reason(t) is not None}
    routes_in = {vid: [t for t in route if t not in cannot] for vid, route in routes_in.items()}
    routes = Routes(parsed, routes_in, not_before=starts, repair=False)
    steps = Steps(problem)
    again = {}  # vehicle index -> the units of its kept route, in order, to insert on it again
    for k in sorted(routes.stale):
        vid = problem["vehicles"][k]["id"]
        own = routes_in[vid][len(steps.fixed[k]):]
        again[k] = list(dict.fromkeys(tuple(unit_of.get(t, [t])) for t in own))
        routes_in[vid] = routes_in[vid][:len(steps.fixed[k])]
    routes = Routes(parsed, routes_in, not_before=starts, repair=False)  # commitments: inserted first below
    present = _task_dicts_by_id(problem)
    for k, own_units in again.items():
        for unit in own_units:
            _insert_told(routes, present, steps, list(unit), margin_s, vehicles={k})
    for unit in units:
        _insert_told(routes, present, steps, unit, margin_s)
    solution = routes.solution()
    errors = validate(problem, solution)
    if errors:
        log.info("re-plan: the kept routes break a rule: %s", errors[0])
    return None if errors else solution


class Steps:
    """A problem's vehicles' steps by vehicle index: fixed steps (task ids, in order), locked task ids.

    `Routes` does not read them; `vehicles` and `keeps_fixed` keep an insertion to them.
    """

    def __init__(self, problem: dict) -> None:
        vehicles = problem["vehicles"]
        self.fixed = [[s["id"] for s in v.get("steps", ()) if s.get("fixed")] for v in vehicles]
        self.holder = {s["id"]: k for k, v in enumerate(vehicles) for s in v.get("steps", ())}
        self.all = set(range(len(vehicles)))

    def vehicles(self, tids: Sequence[int], wanted: set[int] | None) -> set[int]:
        """Return the vehicle indices a request may be inserted on: its holder's, else `wanted` (default all)."""
        held = {self.holder[t] for t in tids if t in self.holder}
        return held or set(wanted if wanted is not None else self.all)

    def keeps_fixed(self, routes: Routes, found: Insertion) -> bool:
        """Return whether an insertion leaves its vehicle's route starting with its fixed steps."""
        prefix = [routes.index[t] for t in self.fixed[found.vehicle]]
        return list(found.route[:len(prefix)]) == prefix


def _insert_told(routes: Routes, present: dict[int, dict], steps: Steps, tids: list[int], margin_s: int,
                 vehicles: set[int] | None = None) -> None:
    """Insert a unit unless routed: in the told time +- the margin, else not before it, else any time."""
    if not tids or routes.routed().intersection(routes.index[t] for t in tids):
        return
    told = {t: present[t] for t in tids if "told_start" in present[t]}
    tries = [{t: [(d["told_start"] - margin_s, d["told_end"] + margin_s)] for t, d in told.items()},
             {t: [(d["told_start"] - margin_s, MAX_TIME)] for t, d in told.items()}, None] if told else [None]
    for windows in tries:
        allowed = steps.vehicles(tids, vehicles)
        while allowed:
            found = routes.insert(tids, windows, vehicles=sorted(allowed))
            if found is None:
                break
            if steps.keeps_fixed(routes, found) and _applied(routes, found):
                return
            allowed.discard(found.vehicle)  # before the fixed steps, or not timeable after all: not on that vehicle


def _applied(routes: Routes, found: Insertion) -> bool:
    """Apply an insertion; False when the routes' own timer refuses what `Routes.insert` timed (seen with riders on board)."""
    try:
        routes.apply(found)
    except ValueError:
        log.info("re-plan: an insertion on vehicle index %d could not be applied; not on that vehicle", found.vehicle)
        return False
    return True


def _task_dicts_by_id(problem: dict) -> dict[int, dict]:
    found = {job["id"]: job for job in problem.get("jobs", [])}
    for ship in problem.get("shipments", []):
        for end in ("pickup", "delivery"):
            found[ship[end]["id"]] = ship[end]
    return found


def better_than_kept(problem: dict, compiled: CompiledWeek, solution: dict, vans: dict[int, VanState],
                     margin_s: int) -> dict:
    """Return the search's answer, or the kept routes (`kept_candidate`) when they are better by the objective."""
    kept = kept_candidate(problem, compiled, vans, margin_s)
    chosen, is_kept = better(problem, solution, kept)
    if kept is not None:
        log.info("re-plan: the kept routes %s, the search %s: %s", objective(problem, kept),
                 objective(problem, solution), "kept" if is_kept else "searched")
    return chosen
