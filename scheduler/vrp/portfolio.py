"""The worker portfolio and its early stop: several searches at once, the best plan kept.

`run` searches in the caller's process (one worker, or under a solution
limit: one deterministic search), or in a pool of forked worker processes,
each a `scheduler.vrp.search.search` with its own seed and, for OR-Tools'
own first plans, its own strategies (`worker_params`). With early stop
(`stall_seconds`) the workers report each better plan as they find it and
the parent stops them all once no real improvement (`gained`) came for that
long (`watch`). `Reporter` passes a caller's progress callback the better
plans (`Progress`) while the workers search.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from scheduler.vrp.model import Model, SearchResult, is_commitment
from scheduler.vrp.params import SolveParams
from scheduler.vrp.search import (
    FINISHED,
    fill_left_out,
    own_first_solution,
    score,
    search,
)

__all__ = ["PROGRESS_EVERY_S", "Progress", "Reporter", "gained", "run", "stall_seconds", "stops_early", "watch",
           "worker_params"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """The best plan found so far, as `solve` reports it to a caller showing progress (``on_progress``).

    Attributes
    ----------
    served
        Ids of the tasks on its routes (jobs, pickups and deliveries).
    elapsed_s
        Seconds since the solve began.
    expected_s
        When the solve is expected to end, in seconds since it began: the time
        limit, or sooner once the early stop's deadline is known (it moves
        later with each real improvement).
    """

    served: frozenset[int]
    elapsed_s: float
    expected_s: float


#: Least seconds between two progress reports (a report may write to a database).
PROGRESS_EVERY_S = 0.5


class Reporter:
    """Pass a caller's progress callback the better plans, at most every `PROGRESS_EVERY_S`."""

    def __init__(self, model: Model, params: SolveParams, started: float,
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.model, self.limit_s, self.started, self.on_progress = model, params.time_limit_s, started, on_progress
        self.last = -math.inf
        self.held: tuple | None = None  # a plan not reported yet (too soon after the last report)

    def __call__(self, routes, expected_at: float | None = None) -> None:
        """Report a plan's routes (task indices per vehicle); `expected_at` = the early stop's deadline (monotonic)."""
        if self.on_progress is None:
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            self.held = (routes, expected_at)
            return
        self.last, self.held = now, None
        tasks = self.model.tasks
        expected = self.limit_s if expected_at is None else min(self.limit_s, expected_at - self.started)
        # never past the limit, even when a loaded machine has already run over it (the limit is the promise)
        expected = min(self.limit_s, max(expected, now - self.started))
        self.send(Progress(frozenset(tasks[t].id for route in routes for t in route), now - self.started, expected))

    def send(self, progress: Progress) -> None:
        """Call the caller's callback; one that fails gets no more reports, and the search goes on."""
        if self.on_progress is None:
            return
        try:
            self.on_progress(progress)
        except Exception:  # showing progress must never cost the plan
            log.warning("progress callback failed: no more progress reports for this solve", exc_info=True)
            self.on_progress = None

    def flush(self) -> None:
        """Report the plan held back, once its turn has come."""
        if self.held is not None and time.monotonic() - self.last >= PROGRESS_EVERY_S:
            self(*self.held)



def run(model: Model, params: SolveParams, started: float, report: Reporter | None = None) -> SearchResult:
    """Search in one process, or in a pool of workers keeping the best plan (`score`).

    With early stop (`stall_seconds`), the workers report each better plan
    as they find it and the parent stops them all once no real improvement
    (`gained`) came for that long; the best plan reported is the answer.
    The workers also report when the caller follows the progress (`report`).
    """
    global _SHARED
    stall_s = stall_seconds(model, params)
    following = report is not None and report.on_progress is not None
    if not model.modelled or params.solution_limit is not None or (params.workers <= 1 and stall_s <= 0
                                                                   and not following):
        return search(model, replace(params, workers=1), started)
    variants = worker_params(model, params, params.workers)
    ctx = multiprocessing.get_context("fork")
    # a SimpleQueue writes in the caller's thread: a Queue's feeder thread
    # would wait for the GIL, which the worker's search only releases in its
    # callbacks, so its reports reached the parent seconds late or never
    queue = ctx.SimpleQueue() if stall_s > 0 or following else None
    _SHARED = (model, variants, started, queue)
    try:
        with ctx.Pool(len(variants)) as pool:  # leaving the block stops workers still searching
            pending = pool.map_async(_worker, range(len(variants)))
            reported = watch(model, params, pending, queue, stall_s, len(variants),
                              report) if queue is not None else None
            results = pending.get() if reported is None or pending.ready() else []
    finally:
        _SHARED = None
    if reported is not None:
        results.append(reported)
    best = min(results, key=lambda result: score(model, result))
    if best.stopped == "converged":
        best = fill_left_out(model, best)
    # the first plan of the portfolio came from whichever worker was fastest
    firsts = [r.first_solution_s for r in results if r.first_solution_s is not None]
    return replace(best, first_solution_s=min(firsts)) if firsts else best


def watch(model: Model, params: SolveParams, pending, queue, stall_s: float, workers: int,
           report: Reporter | None = None) -> SearchResult | None:
    """Collect the workers' reported plans until they finish or stop improving; return the best.

    The stall counts only once every worker is in OR-Tools' search (or
    done), from the later of the last real gain and the last worker's start
    there: ruin and recreate before it stops by its own rule (`scheduler.vrp.search.improve_constructed`),
    and handing its plan over takes up to 1.7 s on the sample week, the
    longest pause between real gains, which the stall no longer has to
    cover. The result is marked ``converged`` when the workers were stopped
    early. `report` gets each better plan, with the stall's deadline once it
    counts.
    """
    best, best_score, last_gain = None, None, time.monotonic()
    searching: set[int] = set()  # workers in OR-Tools' search, or done
    while not pending.ready():
        if queue.empty():
            time.sleep(0.02)
            result = None
        else:
            index, result = queue.get()
        now = time.monotonic()
        better = False
        if isinstance(result, str):  # DESCENT or FINISHED
            if index not in searching:
                searching.add(index)
                last_gain = now
                better = best is not None and len(searching) == workers  # the deadline is known from now
        elif result is not None and result.objective is not None:
            found = score(model, result)
            if best_score is None or found < best_score:
                if best_score is None or gained(best_score, found, params.stall_gain):
                    last_gain = now
                best, best_score, better = result, found, True
        if report is not None:
            if better:
                report(best.routes, last_gain + stall_s if stall_s > 0 and len(searching) == workers else None)
            else:
                report.flush()
        if stall_s > 0 and best is not None and len(searching) == workers and now - last_gain > stall_s:
            return replace(best, stopped="converged")
    return best



def worker_params(model: Model, params: SolveParams, workers: int) -> list[SolveParams]:
    """Return the parameters of each parallel worker (worker 0 = as given)."""
    variants = [params]
    if own_first_solution(model, params):
        # every worker starts from the same constructed plan and searches
        # with its own seed: a worker building OR-Tools' own first plan
        # would keep the pool waiting long after the others converged
        return [replace(params, seed=params.seed + w) for w in range(workers)]
    # measured on Solomon / Li & Lim quick sets (see docs/BENCHMARKS.md):
    # savings complements cheapest insertion on long-route VRPTW (13 hard
    # Solomon instances, 10 s, 2 workers: mean gap +3.95 % with savings + ILS
    # as second worker, +4.16 % with savings + GLS) but fails on
    # pickup-and-delivery pairs, where tabu search complements the first worker
    if any(v.breaks for v in model.problem.vehicles):
        # with breaks (the domain's lunch) parallel cheapest insertion can fail
        # to build any solution: on a compiled sample week (15 shifts with
        # lunch, 43 jobs, 108 shipments) it found none in 60 s, where local
        # cheapest insertion found one within seconds; elsewhere it is better
        alternatives = [("LOCAL_CHEAPEST_INSERTION", params.metaheuristic), ("AUTO", "TABU_SEARCH")]
    elif model.problem.shipments:
        alternatives = [("AUTO", "TABU_SEARCH"), ("LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH"),
                         ("SEQUENTIAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH")]
    else:
        # the second worker's iterated local search is ruin and recreate alone, without a descent after
        # each step (SISR's own scheme, many more steps per second): on Gehring & Homberger's
        # 200-customer sample at 10 s, +2.51 % of PyVRP's distance against +3.34 % with descents;
        # on Solomon +1.10 % against +1.07 %, within one run's noise (docs/BENCHMARKS.md)
        alternatives = [("SAVINGS", "ITERATED_LOCAL_SEARCH", False), ("SAVINGS", "GUIDED_LOCAL_SEARCH"),
                        ("AUTO", "TABU_SEARCH"), ("LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH")]
    for w in range(1, workers):
        first, meta, *descent = alternatives[(w - 1) % len(alternatives)]
        variants.append(replace(params, seed=params.seed + w, first_solution=first, metaheuristic=meta,
                                ruin_descent=descent[0] if descent else params.ruin_descent))
    return variants



def stall_seconds(model: Model, params: SolveParams) -> float:
    """Return how long the search may go without a real improvement before it stops (0: never).

    It grows with the problem, as the time between improvements does: 2 s
    up to 300 modelled tasks, then 1 s per 100 tasks (3 s at 300), at most
    20 s. It counts only once every worker is in OR-Tools' search
    (`watch`). On the sample week (269 tasks) a 3 s stall counted from the
    start returned the plan a run to 20 s returned, once workers reported
    through a `SimpleQueue` (docs/BENCHMARKS.md; before that, reports
    arrived late and 5 s was needed); the longest pause it had to cover was
    the hand-over to OR-Tools (1.7 s). Counted from the hand-over, 2 s
    returned the 20 s run's plan on the two sample weeks measured over 10
    seeds, 1 s sooner. With 3 s the quick benchmark set lost up to 2.8 %
    (lr101) at 10 s. Only weeks that mix commitments with waiting tasks
    stop early by default (`stops_early`): there what is served decides,
    and it is settled long before the cost stops moving.
    """
    if params.solution_limit is not None:
        return 0.0
    if params.stall_s is not None:
        return float(params.stall_s)
    if not stops_early(model):
        return 0.0
    tasks = len(model.modelled)
    return 2.0 if tasks <= 300 else min(20.0, tasks / 100)


def stops_early(model: Model) -> bool:
    """Return whether the search stops early by default: commitments and waiting tasks modelled together.

    A problem of cost alone (the benchmark instances) keeps gaining in small
    steps to the end: at 10 s with a 5 s stall R101 stopped at +0.53 % from
    the best known, against +0.00 % run to the limit. So does a problem whose
    every task is a commitment (Cordeau's dial-a-ride instances converted
    with priority 100): once all are served only the cost is left, and on
    a4-48 the 2 s stall ended a 60 s search after 5.6 s at +4.2 %.
    """
    tasks = model.tasks
    committed = {is_commitment(tasks[t]) for t in model.modelled if tasks[t].kind != "delivery"}
    return committed == {True, False}


def gained(before: tuple[int, int, int, int], after: tuple[int, int, int, int], gain: float) -> bool:
    """Return whether score `after` is a real improvement on `before` (see `score`).

    Keeping a commitment more, moving a told resident less or serving more
    weight always is; a cheaper plan serving the same is when it saves at
    least `gain` of the cost.
    """
    if after[:3] != before[:3]:
        return after[:3] < before[:3]
    return before[3] - after[3] > gain * before[3]



#: What the pool's workers search: (model, parameters per worker, start time, report queue).
#: Set just before the pool forks, so the workers inherit it instead of unpickling a large model.
_SHARED: tuple[Model, list[SolveParams], float, object] | None = None




def _worker(index: int) -> SearchResult:
    """Run search `index` of the portfolio in a pool process, reporting to the parent when it follows the search."""
    model, variants, started, queue = _SHARED
    report = None if queue is None else (lambda result: queue.put((index, result)))
    try:
        return search(model, variants[index], started, report)
    finally:
        if report is not None:
            report(FINISHED)
