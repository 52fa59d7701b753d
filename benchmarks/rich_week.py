"""Generate rich, realistic weeks in the problem format on a real road graph.

A *rich week* mixes everything a city that joins its mobile office and its
demand MaaS plans in one go (``docs/PROBLEM_FORMAT.md``):

- **shifts**: ``vans`` vehicles × 5 service days (Mon–Fri), 8:30–17:30 from
  one of two depots, a 60-minute lunch starting 11:30–12:30, capacity
  ``[seats, boxes]``; skills: office terminal (1) on half the vans, cool box (2)
  on half, wheelchair space (3) on a quarter;
- **hall sessions** (jobs, 90 min, office terminal): an announced start on one
  day, a commitment (priority 100);
- **home visits** (jobs, 20–40 min, half need the office terminal): either a
  promised 60-minute window (priority 100) or any of two or three service days
  9:00–16:00 (several windows), priority 10–98 by waiting time;
- **errands** (shipments shop → home, 1–3 boxes, a fifth need the cool box):
  the shop's hours with a lunch closure on two days, delivery 10:00–18:30 of
  the same days; a tenth are promised 2-hour deliveries (priority 100);
- **rides** (shipments home → clinic, one seat, a tenth need the wheelchair
  space): a 30-minute pick-up window, drop-off in the 30 minutes before the
  appointment, ``max_ride_time`` 45 minutes; half are promised (priority 100).

About 30 % of the stops are jobs and 70 % halves of shipments (the mix of the
1,436-stop week that failed before). ``vans = round(stops / 165)`` gives about
33 stops a shift, so 2,000 stops make 60 shifts: a busy but not hopeless week.
Locations are distinct graph nodes drawn with a seeded RNG; the matrix comes
from `routing.network.RoadNetwork`, so travel times are the graph's.
"""

from __future__ import annotations

import random
from typing import Any

H = 3600
DAY = 86400
OFFICE, COOL, WHEELCHAIR = 1, 2, 3


def _day_window(day: int, start_h: float, end_h: float) -> list[int]:
    return [day * DAY + int(start_h * H), day * DAY + int(end_h * H)]


def _vehicles(vans: int, depots: list[int]) -> list[dict]:
    vehicles = []
    for k in range(vans):
        skills = [s for s, on in ((OFFICE, k % 2 == 0), (COOL, k % 2 == 1 or k % 4 == 0),
                                  (WHEELCHAIR, k % 4 == 1)) if on]
        for day in range(5):
            depot = depots[k % len(depots)]
            vehicles.append({
                "id": len(vehicles) + 1, "description": f"van {k + 1} / day {day}",
                "start_index": depot, "end_index": depot, "capacity": [4, 12], "skills": skills,
                "time_window": _day_window(day, 8.5, 17.5),
                "breaks": [{"id": len(vehicles) + 1, "service": H,
                            "time_windows": [_day_window(day, 11.5, 12.5)]}],
            })
    return vehicles


def _waiting_priority(rng: random.Random) -> int:
    return min(98, 10 + 5 * rng.randint(0, 17))


def _some_days(rng: random.Random, count: int) -> list[int]:
    first = rng.randint(0, 5 - count)
    return list(range(first, first + count))


def _jobs(rng: random.Random, n_jobs: int, shifts: int, halls: list[int], homes: list[int]) -> list[dict]:
    jobs = []
    n_sessions = min(n_jobs // 4, max(1, shifts // 3))
    for s in range(n_sessions):
        start = (s % 5) * DAY + (10 * H if s % 2 == 0 else 13 * H + 1800)
        jobs.append({"id": len(jobs) + 1, "description": f"session {s + 1}", "location_index": halls[s % len(halls)],
                     "service": 90 * 60, "skills": [OFFICE], "priority": 100, "time_windows": [[start, start]]})
    while len(jobs) < n_jobs:
        job: dict[str, Any] = {"id": len(jobs) + 1, "description": f"visit {len(jobs) + 1}",
                               "location_index": homes.pop(), "service": rng.choice([20, 30, 40]) * 60,
                               "skills": [OFFICE] if rng.random() < 0.5 else []}
        if rng.random() < 0.2:
            day, hour = rng.randint(0, 4), rng.choice([9, 10, 11, 13, 14, 15])
            job.update(priority=100, time_windows=[_day_window(day, hour, hour + 1)])
        else:
            days = _some_days(rng, rng.choice([2, 3]))
            job.update(priority=_waiting_priority(rng), time_windows=[_day_window(d, 9, 16) for d in days])
        jobs.append(job)
    return jobs


def _errand(rng: random.Random, sid: int, shop: int, home: int) -> dict:
    boxes = rng.randint(1, 3)
    if rng.random() < 0.1:
        day, hour = rng.randint(0, 4), rng.choice([10, 13, 15])
        pick_windows = [_day_window(day, 9.5, hour + 2)]
        drop_windows = [_day_window(day, hour, hour + 2)]
        priority = 100
    else:
        days = _some_days(rng, 2)
        pick_windows = [w for d in days for w in (_day_window(d, 10, 12.5), _day_window(d, 14, 18))]
        drop_windows = [_day_window(d, 10, 18.5) for d in days]
        priority = _waiting_priority(rng)
    return {"pickup": {"id": sid, "description": f"errand {sid} shop", "location_index": shop,
                       "service": 5 * 60, "time_windows": pick_windows},
            "delivery": {"id": sid, "description": f"errand {sid} home", "location_index": home,
                         "service": 5 * 60, "time_windows": drop_windows},
            "amount": [0, boxes], "skills": [COOL] if rng.random() < 0.2 else [], "priority": priority}


def _ride(rng: random.Random, sid: int, home: int, clinic: int) -> dict:
    day = rng.randint(0, 4)
    appointment = rng.choice([10, 10.5, 11, 14, 14.5, 15, 15.5, 16])
    pick = appointment - 0.75
    return {"pickup": {"id": sid, "description": f"ride {sid} home", "location_index": home,
                       "service": 3 * 60, "time_windows": [_day_window(day, pick - 0.25, pick + 0.25)]},
            "delivery": {"id": sid, "description": f"ride {sid} clinic", "location_index": clinic,
                         "service": 2 * 60, "time_windows": [_day_window(day, appointment - 0.5, appointment)]},
            "amount": [1, 0], "skills": [WHEELCHAIR] if rng.random() < 0.1 else [],
            "priority": 100 if rng.random() < 0.5 else _waiting_priority(rng), "max_ride_time": 45 * 60}


def rich_week(network: Any, stops: int, *, seed: int = 0) -> dict:
    """Return a rich week of about `stops` stops on `network` as a problem dict.

    Parameters
    ----------
    network
        A `routing.network.RoadNetwork`; locations are drawn from its graph's nodes.
    stops
        Tasks to plan, counting each half of a shipment (at least 20).
    seed
        Seed of the random draw; the same seed gives the same week.
    """
    rng = random.Random(seed)
    vans = max(1, round(stops / 165))
    n_ship = round(stops * 0.35)
    n_jobs = stops - 2 * n_ship
    nodes = sorted(network.G.nodes)
    chosen = rng.sample(nodes, min(len(nodes), 2 + 40 + n_jobs + n_ship))
    depots, sites, homes = chosen[:2], chosen[2:42], chosen[42:]
    halls, shops, clinics = sites[:15], sites[15:30], sites[30:]
    homes = list(homes)
    rng.shuffle(homes)
    jobs = _jobs(rng, n_jobs, vans * 5, halls, homes)
    shipments = []
    for sid in range(1, n_ship + 1):
        home = homes.pop() if homes else rng.choice(chosen[42:])
        if rng.random() < 0.6:
            shipments.append(_errand(rng, sid, rng.choice(shops), home))
        else:
            shipments.append(_ride(rng, sid, home, rng.choice(clinics)))
    points = [(str(n), network.G.nodes[n]["y"], network.G.nodes[n]["x"]) for n in chosen]
    matrix = network.matrix(points)
    index = {n: i for i, n in enumerate(chosen)}
    for job in jobs:
        job["location_index"] = index[job["location_index"]]
    for ship in shipments:
        for half in ("pickup", "delivery"):
            ship[half]["location_index"] = index[ship[half]["location_index"]]
    vehicles = _vehicles(vans, [index[d] for d in depots])
    return {"vehicles": vehicles, "jobs": jobs, "shipments": shipments,
            "matrices": {"car": {"durations": matrix.durations.tolist(),
                                 "distances": matrix.distances.tolist()}}}


def stops_of(problem: dict) -> int:
    """Count the stops of a problem: jobs plus both halves of each shipment."""
    return len(problem["jobs"]) + 2 * len(problem["shipments"])


def weighted_unassigned(problem: dict, unassigned: list[dict]) -> int:
    """Sum ``priority + 1`` over the unassigned tasks, a shipment counted once.

    This is the first level of the format's objective (``PROBLEM_FORMAT.md``),
    so two solvers' plans of the same problem compare on it directly.
    """
    job_prio = {j["id"]: j.get("priority", 0) for j in problem["jobs"]}
    ship_prio = {s["pickup"]["id"]: s.get("priority", 0) for s in problem["shipments"]}
    total = 0
    for u in unassigned:
        if u["type"] == "job":
            total += job_prio[u["id"]] + 1
        elif u["type"] == "pickup":
            total += ship_prio[u["id"]] + 1
    return total


def commitments_unassigned(problem: dict, unassigned: list[dict]) -> int:
    """Count the commitments (priority 100) left out, a shipment once: the first level of the format's objective."""
    jobs = {j["id"] for j in problem["jobs"] if j.get("priority", 0) >= 100}
    ships = {s["pickup"]["id"] for s in problem["shipments"] if s.get("priority", 0) >= 100}
    return sum(1 for u in unassigned if (u["type"] == "job" and u["id"] in jobs)
               or (u["type"] == "pickup" and u["id"] in ships))


def rides_over_limit(problem: dict, solution: dict) -> int:
    """Count served shipments whose ride (delivery start minus pickup end) exceeds ``max_ride_time``.

    Works on VROOM's output as on odekake's: a step starts at ``arrival +
    waiting_time`` and its pickup ends ``setup + service`` later.
    """
    limit = {s["pickup"]["id"]: s.get("max_ride_time") for s in problem["shipments"]}
    on_site = {s["pickup"]["id"]: s["pickup"].get("setup", 0) + s["pickup"].get("service", 0)
               for s in problem["shipments"]}
    over = 0
    for route in solution["routes"]:
        picked: dict[int, int] = {}
        for step in route["steps"]:
            begin = step["arrival"] + step.get("waiting_time", 0)
            if step["type"] == "pickup":
                picked[step["id"]] = begin + on_site[step["id"]]
            elif step["type"] == "delivery" and limit.get(step["id"]) is not None and step["id"] in picked:
                over += begin - picked[step["id"]] > limit[step["id"]]
    return over


def served_tasks(solution: dict) -> set[tuple[str, int]]:
    """Return the tasks a plan serves, as ``("job", id)`` and ``("pickup", id)`` (a shipment once)."""
    return {(step["type"], step["id"]) for route in solution["routes"] for step in route["steps"]
            if step["type"] in ("job", "pickup")}


def restricted(problem: dict, tasks: set[tuple[str, int]]) -> dict:
    """Return the problem with only these jobs and shipments (vehicles and matrices unchanged).

    Used to compare two solvers' routing on the same work: the tasks both
    served, each solver then routing all of them.
    """
    return {**problem, "jobs": [j for j in problem["jobs"] if ("job", j["id"]) in tasks],
            "shipments": [s for s in problem["shipments"] if ("pickup", s["pickup"]["id"]) in tasks]}
