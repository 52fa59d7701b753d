"""Trim a plan down to a given level of service: what its routes cost when they serve no more than another plan.

Two plans of the same week that serve different work cannot be compared on
cost alone: odekake's objective is lexicographic (commitments, then weight
served, then driving), VROOM's is additive, and on the rich weeks of the
scale benchmark odekake's plans serve far more weight at a higher cost. The
Pareto question is whether odekake's routes are dear *for the work they
do*: take its plan and leave out the waiting tasks (never a commitment)
whose removal saves the most driving per unit of weight, one at a time,
while the plan's weight left out stays within a target (the other plan's).
The routes are re-timed after each removal with the construction's exact
timing (`scheduler.vrp.construct`), a removal that breaks a rule is not
made, and the trimmed plan goes through the validator.

Nothing here is part of the solver: the plan it makes is one the format's
objective would never choose (it leaves out work that fits), and it is only
used to measure.
"""

from __future__ import annotations

from scheduler.vrp.construct import Builder, ride_tightened
from scheduler.vrp.format import COMMITMENT
from scheduler.vrp.model import node_layout, node_travel
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import parse_problem
from scheduler.vrp.search import node_routes, node_table
from scheduler.vrp.steps import solution_dict
from scheduler.vrp.validator import validate

__all__ = ["trimmed"]


def trimmed(problem: dict, solution: dict, max_weight_out: int) -> dict:
    """Return `solution` with waiting tasks left out while its weight left out stays ≤ `max_weight_out`.

    Weight is counted as `benchmarks.rich_week.weighted_unassigned` does:
    ``priority + 1`` per task left out, a shipment once, a commitment 101.
    Each step removes, among the waiting jobs and shipments served (not in a
    delivery group, never a commitment) whose weight still fits the
    allowance, the one saving most driving per unit of weight whose route can
    be timed without it. Returns the trimmed solution
    dict (validated: ``"errors"`` lists what the validator found, empty when
    valid) with ``"removed"`` = the number of tasks left out by trimming and
    ``"kept_as_given"`` = routes the construction's timing could not time as
    they are (kept unchanged, nothing trimmed from them).
    """
    model = prepare(parse_problem(problem))
    nodes = node_layout(model)
    travel = node_travel(model, nodes)
    table = ride_tightened(model, node_table(nodes))
    builder = Builder(model, table, travel)
    given = _as_given(model, solution)
    routes = node_routes(nodes, [tasks for tasks, _, _ in given], [times for _, times, _ in given])
    # a route the construction's timing cannot reproduce (OR-Tools may place a lunch break where it
    # would not) is kept exactly as the solution has it, and nothing is trimmed from it
    kept = {k: given[k] for k, seq in enumerate(routes) if not builder.place(k, seq)}
    tasks = model.tasks
    grouped = {t for members in model.groups for t in members}
    served = {nodes.task[i] for seq in routes for i in seq}
    weight_out = 0
    for t, task in enumerate(tasks):
        if task.kind != "delivery" and t not in served:
            weight_out += task.priority + 1  # as `benchmarks.rich_week.weighted_unassigned`: a commitment 101

    def candidates(k: int) -> list[tuple[float, int, list[int]]]:
        """(driving saved per unit of weight, weight, route without it) of each removable unit on route k."""
        seq = builder.routes[k]
        drive = builder._drive(k, seq)
        found = []
        for i in seq:
            t = nodes.task[i]
            task = tasks[t]
            if task.kind == "delivery" or task.priority >= COMMITMENT or t in grouped:
                continue
            gone = {i}
            if task.kind == "pickup":
                gone |= {j for j in seq if nodes.task[j] == task.partner}
            rest = [j for j in seq if j not in gone]
            found.append(((drive - builder._drive(k, rest)) / (task.priority + 1), task.priority + 1, rest))
        return sorted(found, key=lambda c: -c[0])

    per_route = {k: candidates(k) for k in range(len(routes)) if k not in kept}
    removed = 0
    while True:
        allowance = max_weight_out - weight_out
        best = None
        for k, options in per_route.items():
            for ratio, weight, rest in options:
                if weight <= allowance and ratio > 0:
                    if best is None or ratio > best[0]:
                        best = (ratio, weight, rest, k)
                    break  # sorted: the first that fits is this route's best
        if best is None:
            break
        ratio, weight, rest, k = best
        if builder.place(k, rest):
            weight_out += weight
            removed += 1
            per_route[k] = candidates(k)
        else:  # cannot be timed without it: not removable now
            per_route[k] = [c for c in per_route[k] if c[2] is not rest]
    out_routes, times, breaks = [], [], []
    for k, seq in enumerate(builder.routes):
        if k in kept:
            for out, part in zip((out_routes, times, breaks), kept[k]):
                out.append(part)
            continue
        begins, taken, arrival = builder.timing[k]
        out_routes.append([nodes.task[i] for i in seq])
        times.append([model.problem.vehicles[k].time_window[0], *begins, arrival])
        breaks.append(taken)
    result = solution_dict(model, out_routes, times, breaks, ("no_time", "left out by trimming"))
    result["errors"] = validate(problem, result)
    result["removed"], result["kept_as_given"] = removed, len(kept)
    return result


def _as_given(model, solution: dict) -> list[tuple[list[int], list[int], dict[int, int]]]:
    """Return each vehicle's route in the solution as (task indices, times, breaks), the form `solution_dict` takes.

    Times are the service starts: the route's start, each task, its end; a vehicle without a route gets empty ones.
    """
    task_of = {(task.kind, task.id): t for t, task in enumerate(model.tasks)}
    vehicle = {v.id: k for k, v in enumerate(model.problem.vehicles)}
    given: list[tuple[list[int], list[int], dict[int, int]]] = [([], [], {}) for _ in model.problem.vehicles]
    for route in solution["routes"]:
        k = vehicle[route["vehicle"]]
        break_of = {b.id: i for i, b in enumerate(model.problem.vehicles[k].breaks)}
        tasks, times, breaks = given[k]
        for step in route["steps"]:
            begin = step["arrival"] + step.get("waiting_time", 0)
            if step["type"] in ("job", "pickup", "delivery"):
                tasks.append(task_of[(step["type"], step["id"])])
                times.append(begin)
            elif step["type"] == "break":
                breaks[break_of[step["id"]]] = begin
            elif step["type"] == "start":
                times.insert(0, step["arrival"])
            elif step["type"] == "end":
                times.append(step["arrival"])
    return given
