"""The OR-Tools routing model (`scheduler.vrp.ortools_model`): what it reads in and the names it knows."""

from __future__ import annotations

from scheduler.vrp.model import node_layout
from scheduler.vrp.ortools_model import (
    ORTOOLS_FIRST_SOLUTION,
    ORTOOLS_METAHEURISTIC,
    build,
    initial_assignment,
    open_model,
    search_parameters,
)
from scheduler.vrp.params import FIRST_SOLUTIONS, METAHEURISTICS, SolveParams
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import parse_problem
from scheduler.vrp.search import constructed_plan, ortools_first_solution
from tests.scheduler.vrp.test_construct import _large_week


def test_the_search_starts_from_the_plan_with_its_own_times_and_breaks():
    """OR-Tools gets the constructed routes with their service and lunch starts, and accepts them as they are.

    Restoring the routes alone made OR-Tools search the times and breaks
    again, which could take over a second and then fail the search
    (`ortools_model.with_times`).
    """
    week = _large_week(seed=9, n_jobs=80, n_shipments=30)
    model = prepare(parse_problem(week))
    nodes = node_layout(model)
    om = open_model(model, nodes, 0)
    _, plan = constructed_plan(model, nodes, om.travel, 0.0)
    build(om)
    params = SolveParams()
    start = initial_assignment(om, search_parameters(model, nodes, params, ortools_first_solution(model, params)), plan)
    assert start is not None
    breaks = 0
    for k, route in enumerate(plan.routes):
        for n, begin in zip(route, plan.begins[k]):
            assert start.Value(om.time_dim.CumulVar(om.manager.NodeToIndex(n))) == begin
        for b, begin in plan.breaks[k].items():
            assert start.StartValue(om.break_vars[k][b]) == begin
            breaks += 1
    assert breaks > 0 and sum(map(len, plan.routes)) > 50


def test_strategy_names_exist_in_ortools():
    """Every strategy name SolveParams accepts is one OR-Tools knows (AUTO and our insertion aside)."""
    ours = {"AUTO", "COMMITMENTS_FIRST_INSERTION"}
    assert all(hasattr(ORTOOLS_FIRST_SOLUTION, name) for name in FIRST_SOLUTIONS if name not in ours)
    assert all(hasattr(ORTOOLS_METAHEURISTIC, name) for name in METAHEURISTICS if name != "ITERATED_LOCAL_SEARCH")
