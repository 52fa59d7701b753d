"""Split a large week into parts that do not interact (one per day's shifts) and put the answers together.

OR-Tools' local search slows down more than linearly with the size of the
model: on a generated week of 2,000 stops and 60 shifts with lunch breaks,
merely reading the constructed plan into the model took 46 s (0.5 s for 500
stops), so the search never ran. The shifts of a week fall into groups that
cannot share a task because their hours do not overlap (the days); once
every task has a day, each day is a problem of its own, small enough for the
search. The day of a task is the day the commitments-first insertion plan
(`scheduler.vrp.construct`), improved over the whole week by ruin and
recreate (`scheduler.vrp.lns`), gave it; a task it could not place goes to the day
with most vehicles able to serve it alone. A task moving to another day is
the one thing the parts cannot do, which the whole-week plan could.

These are plain functions over the parsed problem; `scheduler.vrp.solver`
decides when to use them and solves each part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from scheduler.vrp.format import COMMITMENT
from scheduler.vrp.precheck import Model
from scheduler.vrp.problem import Problem

__all__ = ["Part", "merge", "parts_of", "score", "vehicle_groups"]


@dataclasses.dataclass(frozen=True)
class Part:
    """One independent part: indices into the whole problem's vehicles, jobs and shipments."""

    vehicles: tuple[int, ...]
    jobs: tuple[int, ...]
    shipments: tuple[int, ...]

    def problem(self, whole: Problem) -> Problem:
        """Return the part as a problem of its own (the matrices are shared, not copied)."""
        return dataclasses.replace(
            whole, vehicles=[whole.vehicles[k] for k in self.vehicles], jobs=[whole.jobs[j] for j in self.jobs],
            shipments=[whole.shipments[s] for s in self.shipments])


def vehicle_groups(problem: Problem) -> list[list[int]]:
    """Return the vehicles in groups whose working hours overlap within and never across groups."""
    order = sorted(range(len(problem.vehicles)), key=lambda k: problem.vehicles[k].time_window)
    groups: list[list[int]] = []
    end = None
    for k in order:
        start, stop = problem.vehicles[k].time_window
        if groups and start <= end:
            groups[-1].append(k)
            end = max(end, stop)
        else:
            groups.append([k])
            end = stop
    return groups


def parts_of(model: Model, vehicle_of: Mapping[int, int]) -> list[Part] | None:
    """Return the independent parts of the problem, or None when there is only one.

    Parameters
    ----------
    model
        The pre-checked whole problem.
    vehicle_of
        Task index -> vehicle serving it in the constructed plan (tasks it
        could not place are absent).
    """
    problem = model.problem
    groups = vehicle_groups(problem)
    if len(groups) < 2:
        return None
    group_of = {k: g for g, members in enumerate(groups) for k in members}
    jobs: list[list[int]] = [[] for _ in groups]
    shipments: list[list[int]] = [[] for _ in groups]
    group_day: dict[str, int] = {}  # delivery group -> its part (members stay together)
    modelled = set(model.modelled)
    for t, task in enumerate(model.tasks):
        if task.kind == "delivery" or t not in modelled:  # left out up front: listed by the whole
            continue
        g = _part_of_task(model, t, vehicle_of, group_of, len(groups))
        if task.kind == "job":
            jobs[g].append(t)  # jobs come first among the tasks: task t is job t
            continue
        ship = problem.shipments[task.shipment]
        if ship.delivery_group is not None:
            g = group_day.setdefault(ship.delivery_group, g)
        shipments[g].append(task.shipment)
    return [Part(tuple(groups[g]), tuple(jobs[g]), tuple(sorted(shipments[g]))) for g in range(len(groups))]


def _part_of_task(model: Model, t: int, vehicle_of: Mapping[int, int], group_of: Mapping[int, int],
                  n_groups: int) -> int:
    if t in vehicle_of:
        return group_of[vehicle_of[t]]
    counts = [0] * n_groups
    for k in model.allowed.get(t, []):
        counts[group_of[k]] += 1
    return counts.index(max(counts))  # none allowed: the first part, where it is listed with its reason


def merge(problem: Problem, solutions: Sequence[dict], left_out: Sequence[dict] = ()) -> dict:
    """Return one solution of the whole problem from the solutions of its parts.

    `left_out` are the unassigned entries of the tasks the whole problem's
    pre-check left out (they belong to no part).
    """
    order = {v.id: k for k, v in enumerate(problem.vehicles)}
    routes = sorted((r for s in solutions for r in s["routes"]), key=lambda r: order[r["vehicle"]])
    unassigned = [*left_out, *(u for s in solutions for u in s["unassigned"])]
    summary = {"cost": sum(r["cost"] for r in routes), "routes": len(routes), "unassigned": len(unassigned)}
    for key in ("setup", "service", "duration", "waiting_time", "priority", "distance"):
        summary[key] = sum(r[key] for r in routes)
    summary["computing_times"] = {
        "loading": sum(s["summary"]["computing_times"]["loading"] for s in solutions),
        "solving": sum(s["summary"]["computing_times"]["solving"] for s in solutions)}
    stops = {s["summary"].get("search", {}).get("stopped") for s in solutions}
    summary["search"] = {"stopped": "converged" if stops == {"converged"} else "time_limit",
                         "parts": len(solutions)}
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}


def score(problem: Problem, solution: dict) -> tuple[int, int, int]:
    """Return a solution's lexicographic objective: (commitments left out, weight left out, cost)."""
    commitments = weight = 0
    priority = {("job", j.id): j.priority for j in problem.jobs}
    priority |= {("pickup", s.pickup.id): s.priority for s in problem.shipments}
    for u in solution["unassigned"]:
        p = priority.get((u["type"], u["id"]))
        if p is None:  # a delivery: its pickup counts for the shipment
            continue
        if p >= COMMITMENT:
            commitments += 1
        else:
            weight += p + 1
    return commitments, weight, sum(r["cost"] for r in solution["routes"])
