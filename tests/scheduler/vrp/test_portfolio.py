"""The worker portfolio's early stop (`scheduler.vrp.portfolio`): the search stops once its plans have not really
improved for `SolveParams.stall_s` seconds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler.vrp import portfolio
from scheduler.vrp.model import SearchResult
from scheduler.vrp.params import ParamsError, SolveParams
from scheduler.vrp.portfolio import Reporter, gained, watch
from scheduler.vrp.search import DESCENT, FINISHED, fill_left_out, search, solution_of
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


def _small() -> dict:
    """Eight jobs on a line, two vehicles 8:00–17:00: the best plan is found in the first round."""
    jobs = [{"id": i, "location_index": i, "service": 600, "priority": 10} for i in range(1, 9)]
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "time_window": [8 * H, 17 * H]} for k in (1, 2)]
    return problem([0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400], jobs=jobs, vehicles=vehicles)


def test_a_search_that_stops_improving_ends_early_with_its_best_plan():
    """One worker, a 2 s stall: the search ends long before its 60 s limit, says so, and keeps the best plan.

    The best plan of `_small` is found in the first round, so however slow the machine, the
    stall only counts after it: one van out to 2,400 s and back, 4,800 s of driving (the 8 jobs'
    4,800 s of service fit its 9 h shift); two vans would drive more.
    """
    week = _small()
    early = solve(week, SolveParams(time_limit_s=60, stall_s=2, workers=1, seed=3))
    assert validate(week, early) == []
    assert early["summary"]["search"] == {"stopped": "converged"}
    assert early["summary"]["unassigned"] == 0 and early["summary"]["cost"] == 4800
    assert sorted(len(route_ids(early, r["vehicle"])) for r in early["routes"]) == [8]


def test_without_early_stop_the_time_limit_ends_the_search():
    """``stall_s=0``: nothing stops the search but its time limit, and the answer says so (plan valid)."""
    week = _small()
    full = solve(week, SolveParams(time_limit_s=1, stall_s=0, workers=1, seed=3))
    assert validate(week, full) == []
    assert full["summary"]["search"] == {"stopped": "time_limit"}


def test_progress_reports_the_best_plans_and_the_expected_end():
    """Two workers with early stop: the caller hears of better plans, with an end no later than the limit."""
    week = _commitment_week()
    reports = []
    solution = solve(week, SolveParams(time_limit_s=30, stall_s=1, workers=2, seed=1), on_progress=reports.append)
    assert validate(week, solution) == []
    assert reports
    for report in reports:
        assert report.served and report.served <= {j["id"] for j in week["jobs"]}
        assert min(report.elapsed_s, 30) <= report.expected_s <= 30
    assert [r.elapsed_s for r in reports] == sorted(r.elapsed_s for r in reports)


class _Clock:
    """The solver's clock in a test: stands still but for the watch's sleeps between polls (exact times)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    """Give `scheduler.vrp.portfolio` a fake clock: time passes only when it sleeps (0.02 s per idle poll)."""
    from types import SimpleNamespace

    fake = _Clock()
    monkeypatch.setattr(portfolio, "time", SimpleNamespace(monotonic=fake.monotonic, perf_counter=fake.monotonic,
                                                        sleep=fake.sleep))
    return fake


def test_the_expected_end_is_the_stall_deadline_once_every_worker_searches(monkeypatch, clock):
    """Reported plans carry the time limit as their end until both workers are in OR-Tools' search, then the deadline.

    The four reports arrive at 0 s; the last one (worker 1 done) starts the 0.5 s stall, so the
    deadline reported is 0.5 s and the watch ends at the first idle poll past it (polls 0.02 s apart).
    """
    from types import SimpleNamespace

    monkeypatch.setattr(portfolio, "score", lambda model, result: (0, 0, result.objective))
    monkeypatch.setattr(portfolio, "PROGRESS_EVERY_S", 0.0)
    plan = SearchResult(100, ((),), (), (), "ROUTING_SUCCESS")
    better = replace(plan, objective=90)
    reports = []
    report = Reporter(SimpleNamespace(tasks=[]), SolveParams(time_limit_s=30), clock.monotonic(),
                              reports.append)
    found = watch(None, SolveParams(stall_gain=0.0), _Never(10_000), _Reports(
        [(0, plan), (0, DESCENT), (1, better), (1, FINISHED)]), 0.5, 2, report)
    assert found.objective == 90 and found.stopped == "converged"
    assert [r.expected_s for r in reports[:2]] == [30, 30]  # worker 1 still in ruin and recreate
    assert len(reports) == 3 and reports[2].expected_s == 0.5  # both searching: 0.5 s after the last gain
    assert 0.5 < clock.now <= 0.52 + 1e-9


def _commitment_week() -> dict:
    """The eight jobs of `_small` with two of them promised (early stop applies to weeks with commitments)."""
    week = _small()
    for job in week["jobs"][:2]:
        job["priority"] = 100
    return week


def test_solution_limit_has_no_early_stop():
    """A solution limit makes the search deterministic: no early stop, whatever `stall_s` says."""
    sol = solve(_small(), SolveParams(solution_limit=5, stall_s=0.5))
    assert sol["summary"]["search"] == {"stopped": "solution_limit"}


def test_a_real_gain_serves_more_or_saves_enough():
    """Scores are (commitments left out, weight left out, cost): serving more always counts."""
    assert gained((0, 0, 30, 1000), (0, 0, 20, 1500), 0.002)  # more weight served, dearer
    assert gained((1, 0, 0, 1000), (0, 0, 90, 1000), 0.002)  # a commitment kept beats any weight
    assert gained((0, 1, 0, 1000), (0, 0, 90, 1000), 0.002)  # a told resident kept in time beats any weight
    assert not gained((0, 0, 20, 1000), (0, 0, 20, 999), 0.002)  # 0.1 % cheaper: not enough
    assert gained((0, 0, 20, 1000), (0, 0, 20, 900), 0.002)  # 10 % cheaper
    assert not gained((0, 0, 20, 1000), (0, 0, 30, 100), 0.002)  # cheaper but serving less


@pytest.mark.parametrize("bad", [{"stall_s": -1}, {"stall_s": True}, {"stall_gain": 1.5}, {"stall_gain": "x"}])
def test_bad_early_stop_parameters_are_named(bad):
    with pytest.raises(ParamsError, match=next(iter(bad))):
        SolveParams(**bad)


def test_a_plan_stopped_early_gets_the_tasks_that_still_fit():
    """The last pass (`fill_left_out`) puts a task the plan leaves out back where it fits; nothing served moves."""
    from scheduler.vrp.precheck import prepare
    from scheduler.vrp.problem import parse_problem

    week = _small()
    model = prepare(parse_problem(week))
    full = search(model, SolveParams(solution_limit=20, workers=1))
    k = next(k for k, route in enumerate(full.routes) if len(route) >= 2)
    dropped = full.routes[k][-1]
    routes = list(full.routes)
    routes[k] = full.routes[k][:-1]
    times = list(full.times)
    times[k] = (*full.times[k][:-2], full.times[k][-1])
    partial = replace(full, routes=tuple(routes), times=tuple(times))
    filled = fill_left_out(model, partial)
    assert dropped in {t for route in filled.routes for t in route}
    for j, route in enumerate(partial.routes):  # what was served stays on its vehicle, in order
        assert [t for t in filled.routes[j] if t in route] == list(route)
    solution = solution_of(model, filled, 0, 0)
    assert validate(week, solution) == [] and solution["summary"]["unassigned"] == 0


class _Never:
    """A pool result that is never ready until `polls` reads have passed (then the watch ends by itself)."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    def ready(self) -> bool:
        self.polls -= 1
        return self.polls < 0


class _Reports:
    """The workers' report queue, read in order."""

    def __init__(self, items: list) -> None:
        self.items = list(items)

    def empty(self) -> bool:
        return not self.items

    def get(self):
        return self.items.pop(0)


def test_the_stall_counts_only_once_every_worker_is_in_or_tools_search(monkeypatch, clock):
    """While a worker still runs ruin and recreate (its own stop rule), a pause never stops the search.

    Once both workers have reported the start of OR-Tools' search, the same
    pause stops it and the best plan reported is returned as converged.
    """
    monkeypatch.setattr(portfolio, "score", lambda model, result: (0, 0, result.objective))
    plan = SearchResult(100, ((),), (), (), "ROUTING_SUCCESS")
    better = replace(plan, objective=90)
    params = SolveParams(stall_gain=0.0)
    # one worker in OR-Tools' search, the other still improving: 17 idle polls (0.34 s) pass a 0.01 s stall
    half = watch(None, params, _Never(20), _Reports([(0, plan), (0, DESCENT), (1, better)]), 0.01, 2)
    assert half.objective == 90 and half.stopped != "converged"
    assert clock.now == pytest.approx(17 * 0.02)
    # both in OR-Tools' search (or done): the pause stops it, at the first idle poll
    started = clock.now
    both = watch(None, params, _Never(10_000), _Reports(
        [(0, plan), (0, DESCENT), (1, better), (1, FINISHED)]), 0.01, 2)
    assert both.objective == 90 and both.stopped == "converged"
    assert clock.now - started == pytest.approx(0.02)


def test_a_failing_progress_callback_never_costs_the_plan(caplog):
    """The caller's display breaks at the first report: the solve goes on, returns its plan and says so once in the log."""
    calls = []

    def broken(progress):
        calls.append(progress)
        raise RuntimeError("display gone")

    week = _commitment_week()
    solution = solve(week, SolveParams(time_limit_s=30, stall_s=0.5, workers=2, seed=1), on_progress=broken)
    assert validate(week, solution) == [] and solution["routes"]
    assert len(calls) == 1
    assert [r.getMessage() for r in caplog.records if r.name == "scheduler.vrp.portfolio"] == [
        "progress callback failed: no more progress reports for this solve"]


def test_a_solve_running_over_its_limit_reports_the_limit_as_its_end(monkeypatch):
    """On a loaded machine the construction may end after the time limit: the expected end stays the limit."""
    from types import SimpleNamespace

    monkeypatch.setattr(portfolio, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(portfolio.time, "monotonic", lambda: 172.0)  # 72 s into a 30 s solve
    reports = []
    report = Reporter(SimpleNamespace(tasks=[]), SolveParams(time_limit_s=30), 100.0, reports.append)
    report(())
    report((), expected_at=190.0)
    assert [(r.elapsed_s, r.expected_s) for r in reports] == [(72.0, 30), (72.0, 30)]


def test_the_second_vrptw_worker_runs_ruin_and_recreate_without_descents():
    """Jobs with windows and no breaks or commitments: worker 1 starts from savings and drops the descent after each
    ruin and recreate; OR-Tools is told so; a week with lunch breaks keeps its workers as they were."""
    from scheduler.vrp.model import node_layout
    from scheduler.vrp.ortools_model import search_parameters
    from scheduler.vrp.precheck import prepare
    from scheduler.vrp.problem import parse_problem

    model = prepare(parse_problem(_small()))
    first, second = portfolio.worker_params(model, SolveParams(), 2)
    assert (first.first_solution, first.ruin_descent) == ("AUTO", True)
    assert (second.first_solution, second.metaheuristic, second.ruin_descent, second.seed) == (
        "SAVINGS", "ITERATED_LOCAL_SEARCH", False, 1)
    nodes = node_layout(model)
    assert search_parameters(model, nodes, first, "PARALLEL_CHEAPEST_INSERTION") \
        .iterated_local_search_parameters.improve_perturbed_solution
    assert not search_parameters(model, nodes, second, "SAVINGS") \
        .iterated_local_search_parameters.improve_perturbed_solution
    week = _small()
    for v in week["vehicles"]:
        v["breaks"] = [{"id": 1, "time_windows": [[12 * H, 13 * H]], "service": 1800}]
    lunch = prepare(parse_problem(week))
    assert {p.ruin_descent for p in portfolio.worker_params(lunch, SolveParams(), 3)} == {True}


def test_ruin_descent_is_a_boolean():
    with pytest.raises(ParamsError, match="ruin_descent: expected true or false"):
        SolveParams(ruin_descent="no")
