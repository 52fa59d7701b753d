"""Solve a routing problem: `solve` wires the engine's parts, each in a module named after what it is.

`solve` takes a problem in the odekake problem format (``PROBLEM_FORMAT.md``)
and returns the solution dict of that format. The steps:

1. parse and check the input (`scheduler.vrp.problem.parse_problem`);
2. check every task alone (`scheduler.vrp.precheck.prepare`): skills,
   capacity, ``max_tasks``, and a trip alone on every vehicle with its
   breaks, windows, ride and driving limits. Tasks no vehicle can serve are
   set aside with a reason code; the others are restricted to the vehicles
   that could serve them. What comes out is the plain-data `Model`
   (`scheduler.vrp.model`); one impossible task never reaches the search.
   Tasks a vehicle's ``steps`` hold are restricted to it, and its fixed
   steps that can be timed start its route (`scheduler.vrp.held.hold`);
3. a large week is solved day by day (`scheduler.vrp.parts`: `in_parts`,
   `solve_in_parts`, which calls `solve` for each day);
4. otherwise search (`scheduler.vrp.portfolio.run`): one search in this
   process, or a portfolio of worker processes with an early stop, each
   worker one `scheduler.vrp.search.search`: the commitments-first plan
   (`scheduler.vrp.construct`) improved by ruin and recreate
   (`scheduler.vrp.lns`), then OR-Tools' search on the routing model of
   `scheduler.vrp.ortools_model`, the only module that imports OR-Tools;
5. compute every reported figure (arrival, waiting, loads, distances,
   costs) in plain Python from the input (`scheduler.vrp.search.solution_of`,
   `scheduler.vrp.steps`), so the reported numbers never depend on
   OR-Tools' internals. Every unassigned task gets a ``code`` of
   `scheduler.vrp.format.REASON_CODES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scheduler.vrp.held import hold
from scheduler.vrp.model import SearchResult
from scheduler.vrp.params import SolveParams
from scheduler.vrp.parts import in_parts, solve_in_parts
from scheduler.vrp.portfolio import Progress, Reporter, run
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import Problem, parse_problem
from scheduler.vrp.search import solution_of
from scheduler.vrp.steps import NOT_ENOUGH_TIME

__all__ = ["NOT_ENOUGH_TIME", "Progress", "solve"]


def solve(problem: dict | Problem, params: SolveParams | None = None, *,
          on_progress: Callable[[Progress], None] | None = None) -> dict:
    """Solve a routing problem and return the solution dict.

    Parameters
    ----------
    problem
        A problem dict in the odekake problem format, or an already parsed
        `Problem`.
    params
        Search settings, used as given; when omitted, the problem's
        ``options`` over the defaults (`SolveParams.from_options`).
    on_progress
        Called in the caller's process with each better plan (`Progress`), at
        most every `PROGRESS_EVERY_S` seconds, while the workers search (not
        under a solution limit: that search runs in the caller's process).

    Returns
    -------
    dict
        ``{"code": 0, "summary": ..., "unassigned": [...], "routes": [...]}``
        as described in ``PROBLEM_FORMAT.md``; ``computing_times`` in
        milliseconds.

    Raises
    ------
    ProblemError
        If the problem is invalid (message starts with the field path).
    """
    t0 = time.perf_counter()
    started = time.monotonic()
    parsed = problem if isinstance(problem, Problem) else parse_problem(problem)
    if params is None:
        params = SolveParams.from_options(parsed.options)
    model = hold(prepare(parsed))
    t1 = time.perf_counter()
    report = Reporter(model, params, started, on_progress)
    if in_parts(model, params):
        split = solve_in_parts(model, params, started, int((t1 - t0) * 1000), report, solve)
        if split is not None:
            return split
    if model.modelled:
        result = run(model, params, started, report)
    else:
        result = SearchResult.nothing(len(parsed.vehicles), objective=0, status="ROUTING_SUCCESS")
    t2 = time.perf_counter()
    solution = solution_of(model, result, int((t1 - t0) * 1000), int((t2 - t1) * 1000))
    if result.first_solution_s is not None:
        solution["summary"]["computing_times"]["first_solution"] = int(result.first_solution_s * 1000)
    solution["summary"]["search"] = {"stopped": result.stopped}
    return solution
