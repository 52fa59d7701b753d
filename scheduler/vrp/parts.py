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

`vehicle_groups`, `parts_of`, `merge` and `score` are plain functions over
the parsed problem. `solve_in_parts` solves a week day by day when
`in_parts` says so: `scheduler.vrp.solver.solve` asks, and passes itself to
solve each part.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from scheduler.vrp.format import COMMITMENT
from scheduler.vrp.lns import improve
from scheduler.vrp.model import Model, node_layout, node_travel
from scheduler.vrp.params import SolveParams
from scheduler.vrp.portfolio import Progress, Reporter
from scheduler.vrp.problem import Problem
from scheduler.vrp.search import (
    LARGE,
    constructed_plan,
    node_table,
    plan_result,
    seconds_left,
    solution_of,
)
from scheduler.vrp.steps import unassigned_entry

__all__ = ["PART_IMPROVE_SHARE", "WHOLE_WEEK_SHARE", "Part", "in_parts", "merge", "part_progress", "parts_of",
           "score", "served_ids", "solve_in_parts", "vehicle_groups"]


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
    # what ended every day's search when they agree; else some day's ran to its share of the time limit
    summary["search"] = {"stopped": next(iter(stops)) if len(stops) == 1 and None not in stops else "time_limit",
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


# ---------------------------------------------------------------- solving a week day by day

#: The days of a split week: ruin and recreate runs for this share of each day's
#: time, without stopping when it stalls (`SolveParams.improve_share`,
#: `scheduler.vrp.search.improve_constructed`).
PART_IMPROVE_SHARE = 0.8
#: Share of the time limit a week solved day by day spends improving the whole week first.
WHOLE_WEEK_SHARE = 0.25


def in_parts(model: Model, params: SolveParams) -> bool:
    """Return whether to solve the week day by day (`solve_in_parts`).

    Only above `LARGE` modelled tasks, where the whole model is too slow to
    search, and never under a solution limit (one deterministic search).
    """
    if model.fixed or any(task.held is not None or task.told is not None for task in model.tasks):
        return False  # a re-planning problem (held steps, told times) is a day or less: solved whole
    return len(model.modelled) > LARGE and params.solution_limit is None and params.split_days


def solve_in_parts(model: Model, params: SolveParams, started: float, loading_ms: int, report: Reporter,
                   solve: Callable[..., dict]) -> dict | None:
    """Solve each day's part on its own and merge them; None when the week has one part.

    The whole week's commitments-first plan, improved by ruin and recreate
    for `WHOLE_WEEK_SHARE` of the time limit (the only step where a task can
    change day: on the 500-stop rich week at 60 s it left out weight 2,518
    instead of 2,744, at a lower cost), decides each task's day and is the
    answer when the parts, put together, are not better (`score`) or no
    time is left for them. Each day then runs ruin and recreate for
    `PART_IMPROVE_SHARE` of its time before OR-Tools' descent: on a day of
    the 1,000-stop week, restricted to the tasks VROOM also served, ruin and
    recreate routed them for 34,348 s of driving where OR-Tools' descent from
    its 2 s plan reached 35,682 (VROOM 33,938). Both steps running their full
    share, instead of stopping after 2 s without serving more, left out
    weight 3,986–4,007 instead of 4,214–4,249 on the 1,000-stop week at 60 s,
    at the same cost (docs/BENCHMARKS.md); neither alone did. Progress
    reports put the parts' best plans together with the whole week's plan
    for the days still to come.
    """
    nodes = node_layout(model)
    travel = node_travel(model, nodes)
    constructed, plan = constructed_plan(model, nodes, travel, started)
    if params.improve_iterations != 0:
        # tasks move between days only here: improve the whole week for a while first
        budget = params.time_limit_s * WHOLE_WEEK_SHARE - (time.monotonic() - started)
        on_better = None if report.on_progress is None else \
            (lambda better: report([[nodes.task[n] for n in r] for r in better.routes]))
        improved = improve(model, node_table(nodes), travel, plan.routes, seconds=budget, seed=params.seed,
                           max_iterations=params.improve_iterations, on_better=on_better) if budget > 0 else None
        if improved is not None:
            constructed = plan_result(nodes, improved, constructed.first_solution_s)
    vehicle_of = {t: k for k, route in enumerate(constructed.routes) for t in route}
    split = parts_of(model, vehicle_of)
    if split is None:
        return None
    whole = solution_of(model, replace(constructed, stopped="constructed"), loading_ms,
                        int((time.monotonic() - started) * 1000) - loading_ms)
    whole["summary"]["computing_times"]["first_solution"] = int(constructed.first_solution_s * 1000)
    whole["summary"]["search"] = {"stopped": "constructed"}
    solutions = []
    improve_share = PART_IMPROVE_SHARE if params.improve_share is None else params.improve_share
    planned = served_ids(whole)  # the whole week's plan, for the days not solved yet
    for i, part in enumerate(split):
        # the parts' answers are merged and scored after the last one: the reserve is kept for that
        share = seconds_left(params, started) / (len(split) - i)
        if share < 0.5:
            return _solved_in(whole, loading_ms, started)
        solutions.append(solve(part.problem(model.problem),
                               replace(params, time_limit_s=share, improve_share=improve_share),
                               on_progress=part_progress(report, started, planned, solutions, split[i + 1:],
                                                         last=i == len(split) - 1)))
    left_out = [unassigned_entry(model, t, *model.reasons[t]) for t in range(len(model.tasks))
                if t in model.reasons and t not in set(model.modelled)]
    merged = merge(model.problem, solutions, left_out)
    merged["summary"]["computing_times"]["first_solution"] = whole["summary"]["computing_times"]["first_solution"]
    best = merged if score(model.problem, merged) <= score(model.problem, whole) else whole
    return _solved_in(best, loading_ms, started)


def _solved_in(solution: dict, loading_ms: int, started: float) -> dict:
    """Return a split week's answer with the whole solve's times.

    The parts' own times add up to less (the whole-week step ran before
    them), and the whole-week plan's were taken before the parts ran.
    """
    times = solution["summary"]["computing_times"]
    times.update(loading=loading_ms, solving=int((time.monotonic() - started) * 1000) - loading_ms)
    return solution


def served_ids(solution: dict) -> set[int]:
    """Return the ids of the tasks on a solution's routes."""
    return {step["id"] for route in solution["routes"] for step in route["steps"]
            if step["type"] in ("job", "pickup", "delivery")}


def part_progress(report: Reporter, started: float, planned: set[int], solved: list[dict], later: list,
                  *, last: bool) -> Callable[[Progress], None] | None:
    """Return the progress callback of one part of a split week: its plan with the parts solved and to come."""
    if report.on_progress is None:
        return None
    problem = report.model.problem
    done = set().union(*(served_ids(s) for s in solved))
    to_come = {problem.jobs[j].id for p in later for j in p.jobs}
    to_come |= {x.id for p in later for s in p.shipments for x in (problem.shipments[s].pickup, problem.shipments[s].delivery)}
    done |= planned & to_come
    begun = time.monotonic() - started

    def on_part(progress: Progress) -> None:
        expected = min(report.limit_s, begun + progress.expected_s) if last else report.limit_s
        report.send(Progress(frozenset(done | progress.served), begun + progress.elapsed_s, expected))
    return on_part
