"""Turn routes with their service and break starts into the solution dict of the format.

Every figure (arrival, waiting, loads, distances, costs) is computed in plain
Python from the input, so the reported numbers never depend on how the routes
were found: the OR-Tools search (`scheduler.vrp.solver`) and an insertion into
stored routes (`scheduler.vrp.insertion`) report alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.vrp.format import route_cost
from scheduler.vrp.model import Model, has_told, moved_in

__all__ = ["NOT_ENOUGH_TIME", "build_route", "solution_dict"]

#: Reason given when a task could be served alone but did not fit in the plan.
NOT_ENOUGH_TIME = "not enough time left in any shift"


def drive_with_breaks(depart: int, travel_s: int, pauses: list[tuple[int, int]]):
    """Drive `travel_s` seconds from `depart`, pausing for each (start, length) break.

    Returns the arrival time and, per break, the driving done before it.
    """
    clock, left, driven_before = depart, travel_s, []
    for start, length in pauses:
        leg = min(left, max(0, start - clock))
        clock += leg
        left -= leg
        driven_before.append(travel_s - left)
        clock = max(clock, start) + length
    return clock + left, driven_before


def build_route(model: Model, k: int, route: Sequence[int], stamps: Sequence[int], breaks: dict[int, int]) -> dict:
    """Return the solution route of vehicle `k`: its task indices, times (start, each task, end) and breaks."""
    problem, tasks = model.problem, model.tasks
    v = problem.vehicles[k]
    dur = problem.durations[v.profile]
    dist = problem.distances[v.profile]
    load = [0] * problem.dimensions
    for t in route:
        if tasks[t].kind == "job":
            load = [a + b for a, b in zip(load, tasks[t].delivery)]
    pending = sorted((start, b) for b, start in breaks.items())
    steps: list[dict] = []
    drive = distance = 0
    here = v.start_index
    depart = stamps[0]
    totals = {"setup": 0, "service": 0, "waiting_time": 0, "priority": 0}

    def step(kind: str, arrival: int, waiting: int, *, setup: int = 0, service: int = 0, **extra) -> dict:
        return {"type": kind, **extra, "arrival": arrival, "duration": drive, "setup": setup,
                "service": service, "waiting_time": waiting, "load": list(load), "distance": distance}

    if v.start_index is not None:
        steps.append(step("start", stamps[0], 0, location_index=v.start_index))
    visits = [(t, stamps[1 + i]) for i, t in enumerate(route)]
    visits.append((None, stamps[-1]))
    for t, begin in visits:
        loc = v.end_index if t is None else tasks[t].location
        if t is None and loc is None:
            # open end: breaks still pending are taken right after the last task
            leg = 0
        else:
            leg = 0 if here is None else dur[here][loc]
        leg_m = 0 if here is None or loc is None else dist[here][loc]
        mine = [(s, b) for s, b in pending if s + v.breaks[b].service <= begin]
        pending = [p for p in pending if p not in mine]
        arrival, before = drive_with_breaks(depart, leg, [(s, v.breaks[b].service) for s, b in mine])
        for (s, b), done in zip(mine, before):
            brk = v.breaks[b]
            part_m = leg_m * done // leg if leg else 0
            item = {"type": "break", "id": brk.id, "description": brk.description, "arrival": s,
                    "duration": drive + done, "setup": 0, "service": brk.service, "waiting_time": 0,
                    "load": list(load), "distance": distance + part_m}
            steps.append(item)
        drive += leg
        distance += leg_m
        if t is None:
            if v.end_index is not None:
                steps.append(step("end", arrival, 0, location_index=v.end_index))
            break
        task = tasks[t]
        if task.kind == "job":
            load = [a - b + c for a, b, c in zip(load, task.delivery, task.pickup)]
        else:
            amount = problem.shipments[task.shipment].amount
            sign = 1 if task.kind == "pickup" else -1
            load = [a + sign * b for a, b in zip(load, amount)]
        if here is None and not steps:
            arrival = begin  # open start: the route begins at the first task
        waiting = max(0, begin - arrival)
        steps.append(step(task.kind, arrival, waiting, id=task.id, location_index=task.location,
                          description=task.description, setup=task.setup, service=task.service))
        totals["setup"] += task.setup
        totals["service"] += task.service
        totals["waiting_time"] += waiting
        if task.kind != "delivery":  # a shipment's priority counts once
            totals["priority"] += task.priority
        depart = arrival + waiting + task.on_site_s
        here = task.location
    # an open end with breaks left: they follow the last step
    for s, b in pending:
        brk = v.breaks[b]
        steps.append({"type": "break", "id": brk.id, "description": brk.description, "arrival": s,
                      "duration": drive, "setup": 0, "service": brk.service, "waiting_time": 0,
                      "load": list(load), "distance": distance})
    for brk_step in (s for s in steps if s["type"] == "break"):
        totals["service"] += brk_step["service"]
    return {"vehicle": v.id, "description": v.description, "cost": route_cost(v.fixed_cost, v.per_hour_cost, drive),
            "setup": totals["setup"], "service": totals["service"], "duration": drive,
            "waiting_time": totals["waiting_time"], "priority": totals["priority"],
            "distance": distance, "steps": steps}


def unassigned_entry(model: Model, t: int, code: str, reason: str) -> dict:
    task = model.tasks[t]
    return {"id": task.id, "type": task.kind, "location_index": task.location,
            "description": task.description, "code": code, "reason": reason}


def solution_dict(model: Model, routes: Sequence[Sequence[int]], times: Sequence[Sequence[int]],
                  breaks: Sequence[dict[int, int]], fallback: tuple[str, str]) -> dict:
    """Return the solution dict of routes (per vehicle, task indices), every figure recomputed from the input.

    A task on no route is unassigned with the pre-check's reason, else `fallback` (code, reason).
    """
    out = []
    served: set[int] = set()
    for k, route in enumerate(routes):
        if not route:
            continue
        out.append(build_route(model, k, route, times[k], breaks[k]))
        served.update(route)
    unassigned = [unassigned_entry(model, t, *model.reasons.get(t, _left_out(model, t, fallback)))
                  for t in range(len(model.tasks)) if t not in served]
    summary = {"cost": sum(r["cost"] for r in out), "routes": len(out), "unassigned": len(unassigned)}
    for key in ("setup", "service", "duration", "waiting_time", "priority", "distance"):
        summary[key] = sum(r[key] for r in out)
    if has_told(model):
        summary["moved"] = moved_in(model.tasks, routes, times)
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": out}


def _left_out(model: Model, t: int, fallback: tuple[str, str]) -> tuple[str, str]:
    """Return why task t is on no route when the pre-check found no reason: `fallback`, unless it is held."""
    held = model.tasks[t].held
    if held is None:
        return fallback
    return "fixed_step_broken", f"held to vehicle {model.problem.vehicles[held].id}, but {fallback[1]}"
