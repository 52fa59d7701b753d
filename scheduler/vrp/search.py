"""One search of a pre-checked problem: the constructed plan, ruin and recreate, then OR-Tools.

`search` runs one search and returns a plain `scheduler.vrp.model.SearchResult`.
Weeks with commitments, large weeks and weeks with delivery groups first get
a plan of their own, commitments first (`scheduler.vrp.construct`), which
OR-Tools' own strategies could not build in time (`own_first_solution`),
improved by ruin and recreate while that keeps serving more
(`scheduler.vrp.lns`, `improve_constructed`). OR-Tools' search
(`scheduler.vrp.ortools_model`) then starts from it when time is left (a
descent, then guided local search to the limits: `_ortools_search`), and
the better plan by the format's objective (`score`) wins; `stop_reason`
says what ended it. `fill_left_out`
inserts what a search stopped from outside left out; `solution_of` turns a
result into the solution dict of the format.

A search reports, when asked (`report`: the worker processes of
`scheduler.vrp.portfolio`), each better plan it finds, `DESCENT` when it
hands over to OR-Tools' search and nothing else; under a solution limit it
never looks at the clock before OR-Tools' search (`clock_free`).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace

from scheduler.vrp.construct import NodeTable, Plan, filled_plan, insertion_plan
from scheduler.vrp.format import route_cost
from scheduler.vrp.lns import improve
from scheduler.vrp.model import (
    Model,
    Nodes,
    SearchResult,
    has_commitments,
    has_told,
    is_commitment,
    moved_in,
    node_layout,
    node_travel,
)
from scheduler.vrp.ortools_model import (
    OrModel,
    SolutionCallback,
    beyond_the_descent,
    build,
    descends_only,
    extract,
    initial_assignment,
    leave_pair_moves_to_ruin_and_recreate,
    open_model,
    run_search,
    search_parameters,
    search_status,
)
from scheduler.vrp.pairs import applies, improve_pairs
from scheduler.vrp.params import SolveParams
from scheduler.vrp.steps import NOT_ENOUGH_TIME, solution_dict

__all__ = [
    "DESCENT", "FINISHED", "LARGE", "auto_first_solution", "build_estimate_s", "clock_free", "constructed_plan",
    "fill_left_out", "improve_constructed", "node_routes", "node_table", "ortools_first_solution",
    "own_first_solution", "plan_result", "score", "search", "seconds_left", "solution_of", "stop_reason",
]

log = logging.getLogger(__name__)


#: Modelled tasks above which OR-Tools' own first-solution strategies are too slow.
LARGE = 400
#: Ruin and recreate before the search (`improve_constructed`): it stops after this many
#: seconds and iterations without serving more, or at this share of the time left.
_IMPROVE_STALL_S = 2.0
_IMPROVE_STALL_ITERATIONS = 50
_IMPROVE_SHARE = 0.6
#: Share of the time left that the pick-up-and-delivery search (`scheduler.vrp.pairs`) runs,
#: on the problems it takes, before OR-Tools' search polishes its plan.
_PAIRS_SHARE = 0.8
#: Seconds kept back from OR-Tools' search for ending it, reading the plan out and
#: writing the answer, so the time limit bounds the whole solve: 1 % of the limit,
#: at most this (a 2,000-stop day ran 0.1-0.2 s over a 10 s limit without it).
_WRAP_UP_S = 0.2
#: What a search reports, besides better plans, when it starts OR-Tools' search;
#: and what a worker of the portfolio reports when it ends.
DESCENT, FINISHED = "descent", "finished"



def own_first_solution(model: Model, params: SolveParams) -> bool:
    """Return whether the search starts from the commitments-first insertion plan.

    ``AUTO`` also starts from it when the problem has delivery groups:
    OR-Tools' insertion heuristics insert one pickup-and-delivery pair at a
    time, and a group's pairs can only enter the plan together (local
    cheapest insertion served none of them on a two-shop errand), while the
    insertion plan places each group as one unit.
    """
    return params.first_solution == "COMMITMENTS_FIRST_INSERTION" or (
        params.first_solution == "AUTO" and (
            bool(model.groups) or auto_first_solution(model) == "COMMITMENTS_FIRST_INSERTION"))


def auto_first_solution(model: Model) -> str:
    """Return the first-solution strategy used for ``AUTO``.

    With commitments (the domain's weeks), or above `LARGE` modelled tasks,
    the search starts from the commitments-first insertion plan
    (`scheduler.vrp.construct`). OR-Tools' own strategies took 14–34 s to a
    first plan on a 500-stop week with breaks and found none in 120 s on
    2,000 stops; on the sample week (270 tasks, lunches, ride limits) local
    cheapest insertion placing commitments first needed 2–5 s and its plan,
    searched for 20 s, still left out weight 351 where the constructed plan
    (0.1 s) searched for 10 s left out 179, every commitment kept in both.
    Otherwise parallel cheapest insertion was the best single strategy on
    the quick benchmark set for both shapes (VRPTW and pickup-and-delivery);
    shape-specific alternatives run as the second worker (see `scheduler.vrp.portfolio.worker_params`).
    """
    if len(model.modelled) > LARGE or has_commitments(model) or has_told(model) or model.fixed:
        return "COMMITMENTS_FIRST_INSERTION"
    return "PARALLEL_CHEAPEST_INSERTION"




def ortools_first_solution(model: Model, params: SolveParams) -> str:
    """Return the name of OR-Tools' first-solution strategy for these parameters (``AUTO`` decided)."""
    first = params.first_solution
    if first == "AUTO":
        first = auto_first_solution(model)
    if first == "COMMITMENTS_FIRST_INSERTION":
        # the plan comes from scheduler.vrp.construct; OR-Tools' own strategy
        # is the fallback should OR-Tools refuse those routes
        first = "LOCAL_CHEAPEST_INSERTION"
    return first



def search(model: Model, params: SolveParams, started: float | None = None,
           report: Callable[[SearchResult | str], None] | None = None) -> SearchResult:
    """Build the OR-Tools model, search, and return plain routes and times.

    The steps add dimensions and callbacks in a fixed order (time, costs,
    loads, limits), which the search's behaviour depends on: keep it. With
    the commitments-first insertion (large weeks), the constructed plan is a
    result of its own; the search then starts from it when time is left,
    and the better of the two (`score`) is returned. `report`, when given,
    gets each better plan and `DESCENT` (see the module docstring).
    """
    started = time.monotonic() if started is None else started
    nodes = node_layout(model)
    om = open_model(model, nodes, params.seed)
    constructed, plan = constructed_plan(model, nodes, om.travel, started) if own_first_solution(model, params) \
        else (None, None)
    if constructed is not None and report is not None:
        report(constructed)
    if constructed is not None:
        constructed, plan = improve_constructed(om, constructed, plan, params, started, report)
    # under a solution limit nothing looks at the clock before the search (see `clock_free`)
    timed = params.solution_limit is None
    if timed and constructed is not None \
            and params.time_limit_s - (time.monotonic() - started) < build_estimate_s(nodes):
        return replace(constructed, stopped="constructed")  # no time to build the model and search from it
    build(om)
    settings = search_parameters(model, nodes, params, ortools_first_solution(model, params))
    if plan is not None:
        leave_pair_moves_to_ruin_and_recreate(settings)
    if timed and constructed is not None and seconds_left(params, started) < 0.5:
        return replace(constructed, stopped="constructed")
    progress = SolutionCallback(om, started, report)
    if constructed is not None:
        progress.first_solution_s = constructed.first_solution_s  # the search's plans come after it
    initial = initial_assignment(om, settings, plan) if plan is not None else None
    if plan is not None and initial is None:
        return constructed
    # the time limit bounds the whole solve: parsing, building and reading the plan in
    # (0.1-0.2 s at 2,000 stops) are spent; the search reads its limit when it starts
    settings.time_limit.FromMilliseconds(max(100, int(seconds_left(params, started) * 1000)))
    if report is not None:
        report(DESCENT)  # the early stop counts from here (see `scheduler.vrp.portfolio.watch`)
    solution, stopped = _ortools_search(om, settings, params, initial, progress, started)
    searched = replace(extract(om, solution, progress.first_solution_s), stopped=stopped)
    if constructed is not None and searched.objective is not None:
        # the first valid plan was the constructed one, before ruin and recreate and the search
        searched = replace(searched, first_solution_s=constructed.first_solution_s)
    if searched.objective is not None and has_told(model):
        # OR-Tools reports each service at its earliest start: the construction's timing
        # waits for a told time where it can, and the exact count of residents moved decides
        searched = fill_left_out(model, searched)
    if constructed is not None and score(model, constructed) <= score(model, searched):
        return replace(constructed, stopped=searched.stopped)
    return searched



def _ortools_search(om: OrModel, settings, params: SolveParams, initial, progress: SolutionCallback,
                    started: float):
    """Run OR-Tools' search (from `initial` when given) to its limits; return (its assignment, why it stopped).

    From a given plan OR-Tools runs one greedy descent instead of its iterated
    local search (`scheduler.vrp.ortools_model.descends_only`): when that
    descent ends at its local optimum with time and solutions left, the
    search goes on from there by guided local search (`beyond_the_descent`),
    so the time limit is used on every kind of problem. A descent that ends
    with no time or solutions left to go on was ended by that limit.
    """
    limit_s = settings.time_limit.ToMilliseconds() / 1000
    began = time.monotonic()
    solution = run_search(om, settings, params, initial)
    stopped = stop_reason(params, descends_only(settings), search_status(om), limit_s, time.monotonic() - began)
    if stopped == "finished" and initial is not None and settings.use_iterated_local_search \
            and solution is not None:
        left = None if params.solution_limit is None else params.solution_limit - progress.found
        seconds = seconds_left(params, started)
        if left is not None and left <= 0:
            stopped = "solution_limit"
        elif seconds <= 0.05:  # no time left to go on: the clock ended the search
            stopped = clock_free(params, limit_s, limit_s) if params.solution_limit is not None else "time_limit"
        else:
            beyond_the_descent(settings, seconds, left)
            limit_s, began = seconds, time.monotonic()
            solution = om.routing.SolveFromAssignmentWithParameters(solution, settings) or solution
            stopped = stop_reason(params, False, search_status(om), limit_s, time.monotonic() - began)
    return solution, stopped


def stop_reason(params: SolveParams, descends: bool, status: str, limit_s: float, ran_s: float) -> str:
    """Return why OR-Tools' search stopped: ``finished``, ``solution_limit`` or ``time_limit``.

    A search that only descends (`descends`) and ends with ``ROUTING_SUCCESS``
    reached its local optimum by itself (``finished``; one stopped by a limit
    ends with ``ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED``). A
    metaheuristic never ends by itself: the clock ended it once its whole time
    limit has passed, else the solution count did (`clock_free`).
    """
    if descends and status == "ROUTING_SUCCESS":
        return "finished"
    if params.solution_limit is not None:
        return clock_free(params, limit_s, ran_s)
    return "time_limit"


def clock_free(params: SolveParams, limit_s: float, ran_s: float) -> str:
    """Return how a search under a solution limit stopped: ``solution_limit``, or ``time_limit`` (logged).

    Under a solution limit the plan depends on the input and the seed alone as long as
    the count ends the search: nothing before it looks at the clock (`search`,
    `improve_constructed`). OR-Tools stops on its time limit only once that much time has passed,
    so a search that ran for its whole limit may have been cut by it: then the plan
    depends on the machine's speed and load, and the solve says so (``stopped:
    time_limit`` and a warning). The test suite fails any test where that happens
    (``tests/conftest.py``). Two limits inside OR-Tools' search remain clocks even
    then: each neighbour's completion (placing breaks, ``lns_time_limit``, 100 ms)
    and iterated local search's annealing, which cools by the larger of the share of
    solutions and the share of the time limit used. On weeks with lunch breaks they
    can change the plan of a limit above 1 (the sample week at 30 solutions gave two
    plans in two runs on a core shared with a busy process); the constructed plan
    (a limit of 1 from the commitments-first insertion) never reaches them.
    """
    if ran_s < limit_s:
        return "solution_limit"
    log.warning("solution limit %d not reached: the time limit (%.1f s) ended the search, so the plan depends on "
                "this machine's speed", params.solution_limit, limit_s)
    return "time_limit"



def constructed_plan(model: Model, nodes: Nodes, travel: dict[str, list[list[int]]], started: float):
    """Return the insertion plan as (search result, plan), from plain data (no OR-Tools model needed)."""
    plan = insertion_plan(model, node_table(nodes), travel)
    return plan_result(nodes, plan, time.monotonic() - started), plan


def plan_result(nodes: Nodes, plan: Plan, first_solution_s: float | None) -> SearchResult:
    """Return a plan of `scheduler.vrp.construct` (node routes and their timing) as a search result."""
    routes = tuple(tuple(nodes.task[n] for n in route) for route in plan.routes)
    times = tuple((plan.starts[k], *plan.begins[k], plan.ends[k]) for k in range(len(plan.routes)))
    return SearchResult(0, routes, times, tuple(plan.breaks), "CONSTRUCTED", first_solution_s)


def improve_constructed(om: OrModel, constructed: SearchResult, plan: Plan, params: SolveParams, started: float,
                        report: Callable[[SearchResult], None] | None = None) -> tuple[SearchResult, Plan]:
    """Improve the commitments-first plan by ruin and recreate (`scheduler.vrp.lns`) before OR-Tools' search.

    By default it runs while it keeps serving more: it stops after
    `_IMPROVE_STALL_S` seconds (and `_IMPROVE_STALL_ITERATIONS` iterations)
    without keeping a commitment more or serving more weight, or when it has
    used `_IMPROVE_SHARE` of the time left, so OR-Tools' search always gets
    the rest to shorten the routes. With `SolveParams.improve_share` (the
    days of a split week) it runs for that share of the time left, whatever
    it gains. Under a solution limit it does not run
    unless `SolveParams.improve_iterations` asks for a number of iterations:
    then that count alone ends it, never the clock (the plan depends only on
    the input and the seed).
    """
    iterations = params.improve_iterations
    if iterations is None and params.solution_limit is not None:
        iterations = 0
    if iterations == 0:
        return constructed, plan
    left_s = params.time_limit_s - (time.monotonic() - started)
    first_s = constructed.first_solution_s
    share = _IMPROVE_SHARE if params.improve_share is None else params.improve_share
    stall_s = _IMPROVE_STALL_S if params.improve_share is None else None

    def on_better(better: Plan) -> None:
        if report is not None:
            report(plan_result(om.nodes, better, first_s))

    if iterations is None:
        seconds = left_s * share
    else:  # the count alone ends it under a solution limit (the plan never depends on the clock)
        seconds = math.inf if params.solution_limit is not None else left_s
    table = node_table(om.nodes)
    if params.improve_share is None and applies(om.model, table):
        improved = improve_pairs(om.model, table, om.travel, plan.routes, seed=params.seed,
                                 seconds=left_s * _PAIRS_SHARE if iterations is None else seconds,
                                 max_iterations=iterations, on_better=on_better)
        if improved is None:
            return constructed, plan
        return plan_result(om.nodes, improved, first_s), improved
    improved = improve(om.model, node_table(om.nodes), om.travel, plan.routes, seed=params.seed,
                       seconds=seconds,
                       stall_s=stall_s if iterations is None else None,
                       stall_iterations=_IMPROVE_STALL_ITERATIONS, max_iterations=iterations, on_better=on_better)
    if improved is None:
        return constructed, plan
    return plan_result(om.nodes, improved, first_s), improved




def node_table(nodes: Nodes) -> NodeTable:
    return NodeTable(task=nodes.task, windows=nodes.windows, allowed=nodes.allowed, on_site=nodes.on_site,
                     starts=nodes.starts, ends=nodes.ends)


def node_routes(nodes: Nodes, routes, times) -> list[list[int]]:
    """Return routes of task indices (with their times: start, each task, end) as routes of nodes.

    A job with several windows has a node per window: the one its service starts in.
    """
    node_of: dict[int, list[int]] = {}
    for i, t in enumerate(nodes.task):
        node_of.setdefault(t, []).append(i)
    out = []
    for k, route in enumerate(routes):
        seq = []
        for pos, t in enumerate(route):
            start = times[k][pos + 1]
            fits = [i for i in node_of[t] if not nodes.windows[i] or any(a <= start <= b for a, b in nodes.windows[i])]
            seq.append((fits or node_of[t])[0])
        out.append(seq)
    return out


def fill_left_out(model: Model, result: SearchResult) -> SearchResult:
    """Return `result` timed again with the tasks it leaves out inserted where they fit.

    A search stopped early is stopped from outside, mid-way: OR-Tools' own
    last pass, which at its time limit often fits one more task into the
    best plan, never runs. This pass does the same with the construction's
    exact timing (`construct.filled_plan`): nothing served moves. The routes
    are timed again even when nothing fits: a plan reported from inside the
    search (`scheduler.vrp.ortools_model.current`) holds each break's
    earliest start, not where the break goes (a lunch of window 9,000-12,000 s reported at 9,000 on a route
    whose step before it ended at 10,050 failed validation), while the
    construction times every route by the rules. When it cannot time a
    route, `result` is returned as it was.
    """
    nodes = node_layout(model)
    plan = filled_plan(model, node_table(nodes), node_travel(model, nodes), node_routes(nodes, result.routes, result.times))
    if plan is None:
        return result
    filled = replace(result, routes=tuple(tuple(nodes.task[i] for i in route) for route in plan.routes),
                     times=tuple((plan.starts[k], *plan.begins[k], plan.ends[k]) for k in range(len(plan.routes))),
                     breaks=tuple(plan.breaks))
    return filled if score(model, filled) <= score(model, result) else result




def score(model: Model, result: SearchResult) -> tuple[int, int, int, int]:
    """Return the format's lexicographic objective of a result.

    (commitments left out, residents moved, weight left out, cost): a held
    task counts as a commitment; a resident is moved when a told task's
    service starts outside its told time +- margin, or it is left out
    (`scheduler.vrp.model.moved_in`).
    """
    if result.objective is None:
        return (2**62, 2**62, 2**62, 2**62)
    served = {t for route in result.routes for t in route}
    problem, tasks = model.problem, model.tasks
    commitments = weight = 0
    for t, task in enumerate(tasks):
        if t in served or task.kind == "delivery":
            continue
        if is_commitment(task):
            commitments += 1
        else:
            weight += task.priority + 1
    cost = 0
    for k, route in enumerate(result.routes):
        if not route:
            continue
        v = problem.vehicles[k]
        stops = [v.start_index, *(tasks[t].location for t in route), v.end_index]
        drive = sum(problem.durations[v.profile][a][b] for a, b in itertools.pairwise(stops)
                    if a is not None and b is not None)
        cost += route_cost(v.fixed_cost, v.per_hour_cost, drive)
    return (commitments, moved_in(tasks, result.routes, result.times) if has_told(model) else 0, weight, cost)



def seconds_left(params: SolveParams, started: float) -> float:
    """Return the seconds left for searching: the time limit less what is spent and the wrap-up reserve."""
    return params.time_limit_s - (time.monotonic() - started) - min(_WRAP_UP_S, 0.01 * params.time_limit_s)




def build_estimate_s(nodes: Nodes) -> float:
    """Return a generous estimate of the seconds to build, close and start the OR-Tools model.

    Measured: 3.7 s to build and about as long to close and read a plan into
    it for 2,000 task nodes (1 µs per node pair each), on the reference machine.
    """
    return 2e-6 * len(nodes) ** 2 * 2



def solution_of(model: Model, result: SearchResult, loading_ms: int, solving_ms: int) -> dict:
    """Return the solution dict of the format, every figure recomputed from the input."""
    fallback = ("no_time", NOT_ENOUGH_TIME) if result.objective is not None else \
        ("not_solved", f"no solution found within the time limit ({result.status})")
    solution = solution_dict(model, result.routes, result.times, result.breaks, fallback)
    solution["summary"]["computing_times"] = {"loading": loading_ms, "solving": solving_ms}
    return solution
