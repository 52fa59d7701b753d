"""Early stop: the search runs in rounds and stops after one that brings nothing (`SolveParams.stall_s`)."""

from __future__ import annotations

import pytest

from scheduler.vrp.params import ParamsError, SolveParams
from scheduler.vrp.solver import _improved, solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


def _small() -> dict:
    """Eight jobs on a line, two vehicles 8:00–17:00: the best plan is found in the first round."""
    jobs = [{"id": i, "location_index": i, "service": 600, "priority": 10} for i in range(1, 9)]
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "time_window": [8 * H, 17 * H]} for k in (1, 2)]
    return problem([0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400], jobs=jobs, vehicles=vehicles)


def test_early_stop_returns_the_plan_of_a_long_run():
    """Same seed, one worker: stopping on convergence gives the routes a run to the time limit gives."""
    week = _small()
    early = solve(week, SolveParams(time_limit_s=60, stall_s=0.5, workers=1, seed=3))
    full = solve(week, SolveParams(time_limit_s=2, stall_s=0, workers=1, seed=3))
    assert validate(week, early) == [] and validate(week, full) == []
    assert early["summary"]["search"]["stopped"] == "converged"
    assert full["summary"]["search"] == {"stopped": "time_limit", "rounds": 1}
    assert early["summary"]["cost"] == full["summary"]["cost"]
    assert sorted(route_ids(early, r["vehicle"]) for r in early["routes"]) == \
        sorted(route_ids(full, r["vehicle"]) for r in full["routes"])


def test_solution_limit_runs_one_round():
    """A solution limit makes the search deterministic: no rounds, whatever `stall_s` says."""
    sol = solve(_small(), SolveParams(solution_limit=5, stall_s=0.5))
    assert sol["summary"]["search"] == {"stopped": "solution_limit", "rounds": 1}


def test_improvement_separates_service_from_cost():
    """An objective is penalties (multiples of the unit) plus cost: serving more always counts."""
    unit = 1000
    assert _improved(3 * unit + 900, 2 * unit + 999, unit, 0.002)  # one more task served, dearer
    assert not _improved(2 * unit + 900, 2 * unit + 899, unit, 0.002)  # 0.1 % cheaper: not enough
    assert _improved(2 * unit + 900, 2 * unit + 800, unit, 0.002)  # 11 % cheaper
    assert not _improved(2 * unit + 900, 2 * unit + 900, unit, 0.0)


@pytest.mark.parametrize("bad", [{"stall_s": -1}, {"stall_s": True}, {"stall_gain": 1.5}, {"stall_gain": "x"}])
def test_bad_early_stop_parameters_are_named(bad):
    with pytest.raises(ParamsError, match=next(iter(bad))):
        SolveParams(**bad)
