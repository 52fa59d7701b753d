"""The validator's checks of re-planning: steps held to a vehicle and residents moved from their told time.

Read from the problem dict itself (never through the solver's parser), as
``docs/PROBLEM_FORMAT.md`` defines them:

- ``vehicles[].steps``: a ``fixed`` step's task, when served, is served by
  that vehicle, and the fixed steps served are the first of the vehicle's
  fixed steps, in order, and the route's first task steps; a fixed step
  left out leaves out every later fixed step of the vehicle; a ``locked``
  task is served by its vehicle or not at all;
- a held task left out carries the code ``fixed_step_broken``, and only a
  held task (or the other half of a held shipment) carries it;
- ``summary.moved`` (given whenever a task has ``told_start``) is the number
  of told tasks left out or whose service starts outside
  ``[told_start - told_margin, told_end + told_margin]`` (margin default 900).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scheduler.vrp.format import TOLD_MARGIN
from scheduler.vrp.validation.reading import TASK_KINDS, UnreadableProblem
from scheduler.vrp.validation.routes import Route, is_int

__all__ = ["BROKEN", "check_held", "read_held", "read_told"]

BROKEN = "fixed_step_broken"

#: (kind, id) of a task
Key = tuple[str, int]


def read_held(problem: dict) -> dict[int, list[tuple[Key, bool]]]:
    """Return per vehicle id its held tasks in order, each with whether it is fixed (else locked)."""
    held: dict[int, list[tuple[Key, bool]]] = {}
    for i, vehicle in enumerate(problem.get("vehicles") or []):
        steps = vehicle.get("steps", []) if isinstance(vehicle, dict) else []
        if not isinstance(steps, list):
            raise UnreadableProblem(f"vehicles[{i}].steps: expected a list")
        for j, step in enumerate(steps):
            path = f"vehicles[{i}].steps[{j}]"
            if not isinstance(step, dict) or step.get("type") not in TASK_KINDS or not is_int(step.get("id")):
                raise UnreadableProblem(f"{path}: expected an object with a task type and an integer id")
            held.setdefault(vehicle["id"], []).append(((step["type"], step["id"]), step.get("fixed") is True))
    return held


def read_told(problem: dict) -> dict[Key, tuple[int, int]]:
    """Return per told task its window of no move: told start and end widened by the margin."""
    margin = problem.get("told_margin", TOLD_MARGIN)
    if not is_int(margin):
        raise UnreadableProblem("told_margin: expected an integer")
    told: dict[Key, tuple[int, int]] = {}

    def note(kind: str, raw: Any, path: str) -> None:
        if not isinstance(raw, dict) or "told_start" not in raw:
            return
        start, end = raw.get("told_start"), raw.get("told_end")
        if not is_int(start) or not is_int(end):
            raise UnreadableProblem(f"{path}: told_start and told_end must be integers")
        told[(kind, raw.get("id"))] = (start - margin, end + margin)

    for i, job in enumerate(problem.get("jobs") or []):
        note("job", job, f"jobs[{i}]")
    for i, shipment in enumerate(problem.get("shipments") or []):
        for kind in ("pickup", "delivery"):
            note(kind, shipment.get(kind) if isinstance(shipment, dict) else None, f"shipments[{i}].{kind}")
    return told


def check_held(problem: dict, routes: list[Route], solution: dict) -> Iterator[str]:
    """Yield each broken rule of held steps and of the moved count (see the module docstring)."""
    try:
        held, told = read_held(problem), read_told(problem)
    except UnreadableProblem as exc:
        yield f"problem: {exc}"
        return
    served = {step.task.key: (route, step) for route in routes for step in route.task_steps()}
    holder = {key: vehicle for vehicle, steps in held.items() for key, _ in steps}
    partners = _partners(problem)
    for vehicle, steps in held.items():
        yield from _check_vehicle(vehicle, steps, served, routes)
    for key, vehicle in holder.items():
        if key in served and served[key][0].vehicle.id != vehicle:
            yield f"{served[key][1].label}: held to vehicle {vehicle} by its steps, served by another"
    yield from _check_codes(solution.get("unassigned", []), holder, partners)
    yield from _check_moved(solution, told, routes)


def _check_vehicle(vehicle: int, steps: list[tuple[Key, bool]], served: dict, routes: list[Route]) -> Iterator[str]:
    """Yield what breaks the rule of one vehicle's fixed steps."""
    fixed = [key for key, is_fixed in steps if is_fixed]
    kept = 0
    while kept < len(fixed) and fixed[kept] in served:
        kept += 1
    for key in fixed[kept:]:
        if key in served:
            yield f"{key[0]} {key[1]}: a fixed step of vehicle {vehicle} served after an earlier fixed step was left out"
    route = next((r for r in routes if r.vehicle.id == vehicle), None)
    first = [step.task.key for step in route.task_steps()[:kept]] if route is not None else []
    if first != fixed[:kept]:
        shown = ", ".join(f"{kind} {task_id}" for kind, task_id in fixed[:kept])
        yield f"route vehicle {vehicle}: does not start with its fixed steps in order ({shown})"


def _check_codes(unassigned: Any, holder: dict[Key, int], partners: dict[Key, Key]) -> Iterator[str]:
    """Yield each left-out held task without the code, and each code given to a task not held."""
    if not isinstance(unassigned, list):
        return
    for u, item in enumerate(unassigned):
        if not isinstance(item, dict):
            continue
        key = (item.get("type"), item.get("id"))
        held = key in holder or partners.get(key) in holder
        if key in holder and item.get("code") != BROKEN:
            yield f"unassigned[{u}]: {key[0]} {key[1]} is held to vehicle {holder[key]}: code must be {BROKEN}"
        elif item.get("code") == BROKEN and not held:
            yield f"unassigned[{u}]: code {BROKEN} but {key[0]} {key[1]} is in no vehicle's steps"


def _check_moved(solution: dict, told: dict[Key, tuple[int, int]], routes: list[Route]) -> Iterator[str]:
    """Yield a wrong or missing ``summary.moved``."""
    if not told:
        return
    in_time = sum(1 for route in routes for step in route.task_steps()
                  if step.task.key in told and told[step.task.key][0] <= step.begin <= told[step.task.key][1])
    count = len(told) - in_time
    summary = solution.get("summary")
    given = summary.get("moved") if isinstance(summary, dict) else None
    if given != count:
        yield (f"summary.moved is {given!r} but {count} told tasks are left out or start outside their"
               " told time +- told_margin")


def _partners(problem: dict) -> dict[Key, Key]:
    """Return each shipment half's other half."""
    out: dict[Key, Key] = {}
    for shipment in problem.get("shipments") or []:
        if isinstance(shipment, dict) and isinstance(shipment.get("pickup"), dict) \
                and isinstance(shipment.get("delivery"), dict):
            pickup, delivery = ("pickup", shipment["pickup"].get("id")), ("delivery", shipment["delivery"].get("id"))
            out[pickup], out[delivery] = delivery, pickup
    return out
