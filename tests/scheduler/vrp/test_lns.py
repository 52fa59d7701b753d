"""Ruin and recreate on the commitments-first plan (`scheduler.vrp.lns`), every plan checked by the validator."""

from __future__ import annotations

import pytest

from scheduler.vrp.construct import insertion_plan
from scheduler.vrp.lns import improve
from scheduler.vrp.model import node_layout, node_travel
from scheduler.vrp.params import SolveParams
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import parse_problem
from scheduler.vrp.search import node_table, plan_result, score, solution_of
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_construct import _large_week
from tests.scheduler.vrp.test_solver import problem

H = 3600


def _setup(week: dict):
    model = prepare(parse_problem(week))
    nodes = node_layout(model)
    table, travel = node_table(nodes), node_travel(model, nodes)
    return model, nodes, table, travel, insertion_plan(model, table, travel)


def _checked(week: dict, model, nodes, plan) -> tuple[int, int, int]:
    """Return (commitments left out, weight left out, cost) of a validated plan (these weeks tell no times)."""
    result = plan_result(nodes, plan, 0.0)
    assert validate(week, solution_of(model, result, 0, 0)) == []
    commitments, moved, weight, cost = score(model, result)
    assert moved == 0
    return commitments, weight, cost


def test_trades_one_valuable_task_for_two_that_are_worth_more_together():
    """One hour of work: the construction takes the priority-50 job first and the two priority-40 jobs no longer fit.

    Leaving out 50 (weight 51) is better than leaving out 40 + 40 (weight 82):
    ruin and recreate, which reinserts in a slightly shuffled priority order,
    finds the trade; the result is valid and strictly better.
    """
    week = problem([0, 300, 60, 60], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, H]}],
                   jobs=[{"id": 1, "location_index": 1, "service": 40 * 60, "priority": 50},
                         {"id": 2, "location_index": 2, "service": 25 * 60, "priority": 40},
                         {"id": 3, "location_index": 3, "service": 25 * 60, "priority": 40}])
    model, nodes, table, travel, plan = _setup(week)
    assert _checked(week, model, nodes, plan)[:2] == (0, 82)
    better = improve(model, table, travel, plan.routes, seconds=60, max_iterations=200, seed=0)
    assert _checked(week, model, nodes, better)[:2] == (0, 51)


@pytest.mark.parametrize("seed", [0, 3])
def test_never_worse_than_the_plan_it_starts_from_and_always_valid(seed):
    """On a 260-stop week with lunches, ride limits and commitments, every reported plan is valid and better."""
    week = _large_week(seed=seed + 11, n_jobs=120, n_shipments=70)
    model, nodes, table, travel, plan = _setup(week)
    start = _checked(week, model, nodes, plan)
    seen = []
    better = improve(model, table, travel, plan.routes, seconds=120, max_iterations=40, seed=seed,
                     on_better=seen.append)
    scores = [_checked(week, model, nodes, p) for p in seen]
    assert scores == sorted(scores, reverse=True) and all(s < start for s in scores)
    final = _checked(week, model, nodes, better)
    assert final <= start and final[0] <= start[0]
    assert final == (scores[-1] if scores else start)


def test_same_seed_same_plan():
    """With a number of iterations (and time to spare) the result depends only on the input and the seed."""
    week = _large_week(seed=21, n_jobs=100, n_shipments=40)
    model, _, table, travel, plan = _setup(week)
    runs = [improve(model, table, travel, plan.routes, seconds=120, max_iterations=30, seed=5) for _ in range(2)]
    assert runs[0].routes == runs[1].routes


def test_routes_that_break_a_rule_are_refused():
    """Routes that cannot be timed (a delivery before its pick-up) give None, not a plan."""
    week = problem([0, 60, 120], shipments=[{"pickup": {"id": 1, "location_index": 1},
                                             "delivery": {"id": 1, "location_index": 2}, "amount": []}])
    model, _, table, travel, plan = _setup(week)
    assert [len(r) for r in plan.routes] == [2]
    assert improve(model, table, travel, [list(reversed(plan.routes[0]))], seconds=5, seed=0) is None


def test_solver_runs_it_under_a_solution_limit_only_when_asked():
    """``improve_iterations`` runs it deterministically; the solve stays valid and at least as good."""
    week = _large_week(seed=31, n_jobs=110, n_shipments=50)
    plain = solve(week, SolveParams(solution_limit=1, time_limit_s=300, improve_iterations=0))
    improved = solve(week, SolveParams(solution_limit=1, time_limit_s=300, improve_iterations=30))
    again = solve(week, SolveParams(solution_limit=1, time_limit_s=300, improve_iterations=30))
    assert validate(week, plain) == [] and validate(week, improved) == []
    assert improved["routes"] == again["routes"]

    def weight(solution):
        priority = {("job", j["id"]): j["priority"] for j in week["jobs"]}
        priority |= {("pickup", s["pickup"]["id"]): s["priority"] for s in week["shipments"]}
        left = [priority[(u["type"], u["id"])] for u in solution["unassigned"] if u["type"] != "delivery"]
        return sum(p >= 100 for p in left), sum(p + 1 for p in left if p < 100)

    assert weight(improved) <= weight(plain)


def test_improve_iterations_is_checked():
    with pytest.raises(ValueError, match="improve_iterations"):
        SolveParams(improve_iterations=-1)


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.2, True, "0.8"])
def test_improve_share_is_checked(share):
    with pytest.raises(ValueError, match="improve_share"):
        SolveParams(improve_share=share)
    assert SolveParams(improve_share=0.8).improve_share == 0.8
