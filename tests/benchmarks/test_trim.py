"""Trimming a plan to another plan's level of service (`benchmarks.trim`), as the scale benchmark measures with it."""

from __future__ import annotations

from benchmarks.rich_week import (
    commitments_unassigned,
    served_tasks,
    weighted_unassigned,
)
from benchmarks.trim import trimmed
from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_construct import _large_week


def _solved():
    week = _large_week(seed=7, n_jobs=120, n_shipments=60)
    solution = solve(week, SolveParams(solution_limit=1, time_limit_s=300))
    assert validate(week, solution) == []
    return week, solution


def test_trimmed_plan_leaves_out_waiting_work_up_to_the_allowance_and_stays_valid():
    week, solution = _solved()
    before = weighted_unassigned(week, solution["unassigned"])
    cut = trimmed(week, solution, before + 300)
    after = weighted_unassigned(week, cut["unassigned"])
    assert cut["errors"] == [] and validate(week, cut) == []
    assert cut["removed"] > 0
    assert before < after <= before + 300
    # commitments are never trimmed; what is left is a subset of what was served, driven for less
    assert commitments_unassigned(week, cut["unassigned"]) == commitments_unassigned(week, solution["unassigned"])
    assert served_tasks(cut) < served_tasks(solution)
    assert cut["summary"]["cost"] < solution["summary"]["cost"]


def test_no_allowance_trims_nothing():
    week, solution = _solved()
    cut = trimmed(week, solution, weighted_unassigned(week, solution["unassigned"]))
    assert cut["removed"] == 0 and cut["errors"] == []
    assert served_tasks(cut) == served_tasks(solution)


def test_a_plan_read_back_as_given_is_the_same_plan():
    """Routes the construction cannot time are kept as the solution has them (`_as_given`): read back, nothing changes."""
    from benchmarks.trim import _as_given
    from scheduler.vrp.precheck import prepare
    from scheduler.vrp.problem import parse_problem
    from scheduler.vrp.steps import solution_dict

    week, solution = _solved()
    model = prepare(parse_problem(week))
    given = _as_given(model, solution)
    again = solution_dict(model, *zip(*given), ("no_time", "left out"))
    assert validate(week, again) == []
    assert again["summary"]["cost"] == solution["summary"]["cost"]
    assert served_tasks(again) == served_tasks(solution)
