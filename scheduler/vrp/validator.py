"""Check a solution against its problem, independently of the solver.

`validate` recomputes every figure from the problem's input and matrices
alone (no OR-Tools) and lists each broken rule of ``PROBLEM_FORMAT.md`` as
one readable line naming the route and the step, e.g.
``route vehicle 2 step 3 (job 7): service starts Tue 8:50 outside its time windows``.
An empty list means the solution is valid.
"""

from __future__ import annotations

from typing import Any

from scheduler.vrp.format import format_week_time, route_cost
from scheduler.vrp.problem import ProblemError, parse_problem

__all__ = ["validate"]

_ROUTE_SUMS = ("setup", "service", "duration", "waiting_time", "priority", "distance")


def _t(t_s: int) -> str:
    return f"{format_week_time(t_s, seconds=True)} ({t_s})"


def _inside(t: int, windows) -> bool:
    return not windows or any(s <= t <= e for s, e in windows)


def _num(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(problem: dict, solution: dict) -> list[str]:
    """List every rule of the problem format that the solution breaks.

    Parameters
    ----------
    problem
        The problem dict the solution claims to solve.
    solution
        A solution dict (``code``, ``summary``, ``unassigned``, ``routes``).

    Returns
    -------
    list of str
        One line per violation; empty when the solution is valid.
    """
    try:
        prob = parse_problem(problem)
    except ProblemError as exc:
        return [f"problem: {exc}"]
    if not isinstance(solution, dict):
        return ["solution: expected a JSON object"]
    errors: list[str] = []
    routes = solution.get("routes")
    unassigned = solution.get("unassigned")
    if not isinstance(routes, list):
        return ["solution.routes: missing or not a list"]
    if not isinstance(unassigned, list):
        return ["solution.unassigned: missing or not a list"]

    jobs = {j.id: j for j in prob.jobs}
    pickups = {s.pickup.id: (i, s) for i, s in enumerate(prob.shipments)}
    deliveries = {s.delivery.id: (i, s) for i, s in enumerate(prob.shipments)}
    vehicles = {v.id: v for v in prob.vehicles}
    seen: dict[tuple[str, int], str] = {}  # (type, id) -> where
    used_vehicles: set[int] = set()
    ship_route: dict[int, dict[str, tuple[int, int, int]]] = {}  # shipment -> kind -> (vehicle, pos, start)

    for r, route in enumerate(routes):
        if not isinstance(route, dict) or not isinstance(route.get("steps"), list):
            errors.append(f"routes[{r}]: expected an object with a list of steps")
            continue
        vid = route.get("vehicle")
        if vid not in vehicles:
            errors.append(f"routes[{r}]: unknown vehicle {vid!r}")
            continue
        if vid in used_vehicles:
            errors.append(f"routes[{r}]: vehicle {vid} has more than one route")
            continue
        used_vehicles.add(vid)
        v = vehicles[vid]
        where = f"route vehicle {vid}"
        dur = prob.durations[v.profile]
        dist = prob.distances[v.profile]
        cap = prob.capacity_of(v)
        steps = route["steps"]
        bad = False
        for s, step in enumerate(steps):
            if not isinstance(step, dict) or step.get("type") not in {
                    "start", "job", "pickup", "delivery", "break", "end"}:
                errors.append(f"{where} step {s}: missing or unknown type")
                bad = True
                continue
            for key in ("arrival", "waiting_time", "setup", "service", "duration", "distance"):
                if not _num(step.get(key)) or (key != "arrival" and step[key] < 0):
                    errors.append(f"{where} step {s}: {key} missing or not a non-negative integer")
                    bad = True
        if bad:
            continue
        types = [st["type"] for st in steps]
        if v.start_index is not None:
            if not types or types[0] != "start":
                errors.append(f"{where}: does not begin with a start step")
            elif steps[0].get("location_index") != v.start_index:
                errors.append(f"{where} step 0 (start): location {steps[0].get('location_index')} is not the"
                              f" vehicle's start_index {v.start_index}")
        if v.end_index is not None:
            if not types or types[-1] != "end":
                errors.append(f"{where}: does not finish with an end step")
            elif steps[-1].get("location_index") != v.end_index:
                errors.append(f"{where} step {len(steps) - 1} (end): location {steps[-1].get('location_index')}"
                              f" is not the vehicle's end_index {v.end_index}")
        for s, st in enumerate(types):
            if st == "start" and (s != 0 or v.start_index is None):
                errors.append(f"{where} step {s}: unexpected start step")
            if st == "end" and (s != len(types) - 1 or v.end_index is None):
                errors.append(f"{where} step {s}: unexpected end step")

        # identify tasks, recompute load, skills
        info = []  # per step: (label, location, on-site seconds, windows)
        load = [0] * prob.dimensions
        for step in steps:
            if step["type"] == "job" and step.get("id") in jobs:
                load = [a + b for a, b in zip(load, jobs[step["id"]].delivery)]
        route_tasks = 0
        route_priority = route_setup = route_service = route_waiting = 0
        drive = distance = 0
        taken_breaks: dict[int, int] = {}
        for s, step in enumerate(steps):
            kind, sid = step["type"], step.get("id")
            label = f"{where} step {s} ({kind}{'' if sid is None else ' ' + str(sid)})"
            if kind in {"job", "pickup", "delivery"}:
                table = {"job": jobs, "pickup": pickups, "delivery": deliveries}[kind]
                if sid not in table:
                    errors.append(f"{label}: unknown {kind} id")
                    info.append(None)
                    continue
                if (kind, sid) in seen:
                    errors.append(f"{label}: already served in {seen[(kind, sid)]}")
                seen[(kind, sid)] = where
                route_tasks += 1
                if kind == "job":
                    task = jobs[sid]
                    skills, priority = task.skills, task.priority
                    load = [a - b + c for a, b, c in zip(load, task.delivery, task.pickup)]
                else:
                    idx, ship = table[sid]
                    task = ship.pickup if kind == "pickup" else ship.delivery
                    skills, priority = ship.skills, ship.priority
                    sign = 1 if kind == "pickup" else -1
                    load = [a + sign * b for a, b in zip(load, ship.amount)]
                    ship_route.setdefault(idx, {})[kind] = (vid, s, step["arrival"] + step["waiting_time"])
                    if kind == "pickup":
                        priority = ship.priority  # a shipment's priority counts once, on its pickup
                    else:
                        priority = 0
                if step.get("location_index") != task.location_index:
                    errors.append(f"{label}: location {step.get('location_index')} is not the task's"
                                  f" {task.location_index}")
                if step["setup"] != task.setup or step["service"] != task.service:
                    errors.append(f"{label}: setup/service {step['setup']}/{step['service']} differ from the"
                                  f" input {task.setup}/{task.service}")
                missing = set(skills) - set(v.skills)
                if missing:
                    errors.append(f"{label}: vehicle lacks skills {sorted(missing)}")
                begin = step["arrival"] + step["waiting_time"]
                if not _inside(begin, task.time_windows):
                    errors.append(f"{label}: service starts {_t(begin)} outside its time windows")
                if not v.time_window[0] <= begin <= v.time_window[1]:
                    errors.append(f"{label}: service starts {_t(begin)} outside the vehicle's time window")
                info.append((task.location_index, task.setup + task.service))
                route_priority += priority
                route_setup += task.setup
                route_service += task.service
                route_waiting += step["waiting_time"]
            elif kind == "break":
                brk = next((b for b in v.breaks if b.id == sid), None)
                if brk is None:
                    errors.append(f"{label}: the vehicle has no break with this id")
                    info.append(None)
                    continue
                taken_breaks[sid] = taken_breaks.get(sid, 0) + 1
                begin = step["arrival"] + step["waiting_time"]
                if step["service"] != brk.service:
                    errors.append(f"{label}: length {step['service']} differs from the input {brk.service}")
                if not _inside(begin, brk.time_windows):
                    errors.append(f"{label}: break starts {_t(begin)} outside its time windows")
                route_service += brk.service
                route_waiting += step["waiting_time"]
                info.append(("break", brk.service))
            else:  # start / end
                info.append((step.get("location_index"), 0))
            if step.get("load") != load:
                errors.append(f"{label}: reported load {step.get('load')} but recomputed {load}")
            for d, (amount, limit) in enumerate(zip(load, cap)):
                if amount < 0:
                    errors.append(f"{label}: load {amount} in dimension {d} is negative")
                elif amount > limit:
                    errors.append(f"{label}: load {amount} in dimension {d} exceeds capacity {limit}")
        if None in info:
            continue
        for b in v.breaks:
            count = taken_breaks.get(b.id, 0)
            if count != 1:
                errors.append(f"{where}: break {b.id} taken {count} times (must be exactly once)")

        # timing between consecutive non-break steps, with breaks in between
        prev = None  # (label, location, departure)
        pending: list[tuple[int, int, str]] = []  # breaks since prev: (start, length, label)
        for s, step in enumerate(steps):
            kind, sid = step["type"], step.get("id")
            label = f"{where} step {s} ({kind}{'' if sid is None else ' ' + str(sid)})"
            if kind == "break":
                pending.append((step["arrival"] + step["waiting_time"], step["service"], label))
                continue
            loc, on_site = info[s]
            arrival = step["arrival"]
            if prev is None:
                leg = leg_m = 0
                earliest = v.time_window[0]
                if kind != "start" and not pending and arrival < earliest:
                    errors.append(f"{label}: arrives {_t(arrival)} before the vehicle's time window")
            else:
                _p_label, p_loc, earliest = prev
                leg = dur[p_loc][loc] if p_loc is not None and loc is not None else 0
                leg_m = dist[p_loc][loc] if p_loc is not None and loc is not None else 0
            clock = earliest
            for b_start, b_len, b_label in pending:
                if b_start < clock:
                    errors.append(f"{b_label}: starts {_t(b_start)} before {_t(clock)}, the previous"
                                  " step's departure or break end")
                clock = max(clock, b_start) + b_len
            if pending and clock > arrival:
                errors.append(f"{pending[-1][2]}: ends {_t(clock)} after the next arrival {_t(arrival)}")
            need = earliest + leg + sum(b_len for _, b_len, _ in pending)
            if prev is not None and arrival < need:
                errors.append(f"{label}: arrives {_t(arrival)} but cannot arrive before {_t(need)}"
                              f" (leaves {_t(earliest)}, drives {leg} s, breaks"
                              f" {sum(b_len for _, b_len, _ in pending)} s)")
            drive += leg
            distance += leg_m
            if step["duration"] != drive:
                errors.append(f"{label}: reported driving so far {step['duration']} but recomputed {drive}")
            if step["distance"] != distance:
                errors.append(f"{label}: reported distance so far {step['distance']} but recomputed {distance}")
            if kind == "start" and arrival < v.time_window[0]:
                errors.append(f"{label}: leaves {_t(arrival)} before the vehicle's time window")
            if kind == "end" and arrival > v.time_window[1]:
                errors.append(f"{label}: arrives {_t(arrival)} after the vehicle's time window")
            pending = []
            prev = (label, loc, arrival + step["waiting_time"] + on_site)
        if pending:  # breaks after the last step (open end)
            clock = prev[2] if prev else v.time_window[0]
            for b_start, b_len, b_label in pending:
                if b_start < clock:
                    errors.append(f"{b_label}: starts {_t(b_start)} before the previous step ends")
                clock = max(clock, b_start) + b_len
                if clock > v.time_window[1]:
                    errors.append(f"{b_label}: ends {_t(clock)} after the vehicle's time window")

        if v.max_tasks is not None and route_tasks > v.max_tasks:
            errors.append(f"{where}: {route_tasks} tasks exceed max_tasks {v.max_tasks}")
        if v.max_travel_time is not None and drive > v.max_travel_time:
            errors.append(f"{where}: drives {drive} s, more than max_travel_time {v.max_travel_time}")
        expected = {"setup": route_setup, "service": route_service, "duration": drive,
                    "waiting_time": route_waiting, "priority": route_priority, "distance": distance,
                    "cost": route_cost(v.fixed_cost, v.per_hour_cost, drive)}
        for key, value in expected.items():
            if route.get(key) != value:
                errors.append(f"{where}: {key} is {route.get(key)!r} but recomputed {value}")

    # pickups before deliveries, same route, ride time
    for idx, halves in ship_route.items():
        ship = prob.shipments[idx]
        label = f"shipment {ship.pickup.id}/{ship.delivery.id}"
        if set(halves) != {"pickup", "delivery"}:
            errors.append(f"{label}: only the {next(iter(halves))} is routed")
            continue
        (v1, s1, begin1), (v2, s2, begin2) = halves["pickup"], halves["delivery"]
        if v1 != v2:
            errors.append(f"{label}: pickup on vehicle {v1} but delivery on vehicle {v2}")
            continue
        if s1 > s2:
            errors.append(f"route vehicle {v1} step {s2} (delivery {ship.delivery.id}): before its pickup (step {s1})")
        if ship.max_ride_time is not None:
            ride = begin2 - (begin1 + ship.pickup.setup + ship.pickup.service)
            if ride > ship.max_ride_time:
                errors.append(f"route vehicle {v1} step {s2} (delivery {ship.delivery.id}): ride {ride} s"
                              f" exceeds max_ride_time {ship.max_ride_time}")

    # every task routed or unassigned, never both
    listed: set[tuple[str, int]] = set()
    for u, item in enumerate(unassigned):
        if not isinstance(item, dict) or item.get("type") not in {"job", "pickup", "delivery"}:
            errors.append(f"unassigned[{u}]: expected an object with type job, pickup or delivery")
            continue
        key = (item["type"], item.get("id"))
        table = {"job": jobs, "pickup": pickups, "delivery": deliveries}[item["type"]]
        if item.get("id") not in table:
            errors.append(f"unassigned[{u}]: unknown {item['type']} id {item.get('id')!r}")
        elif key in seen:
            errors.append(f"unassigned[{u}]: {item['type']} {item['id']} is also routed in {seen[key]}")
        elif key in listed:
            errors.append(f"unassigned[{u}]: {item['type']} {item['id']} listed twice")
        listed.add(key)
    every = [("job", j) for j in jobs] + [("pickup", p) for p in pickups] + [("delivery", d) for d in deliveries]
    for key in every:
        if key not in seen and key not in listed:
            errors.append(f"{key[0]} {key[1]}: neither routed nor listed as unassigned")

    summary = solution.get("summary")
    if not isinstance(summary, dict):
        errors.append("summary: missing")
        return errors
    good_routes = [r for r in routes if isinstance(r, dict)]
    sums = {key: sum(r.get(key, 0) if _num(r.get(key, 0)) else 0 for r in good_routes)
            for key in ("cost",) + _ROUTE_SUMS}
    sums["routes"] = len(routes)
    sums["unassigned"] = len(unassigned)
    for key, value in sums.items():
        if summary.get(key) != value:
            errors.append(f"summary.{key} is {summary.get(key)!r} but the routes sum to {value}")
    return errors
