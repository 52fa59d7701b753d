"""The independent validator catches each broken rule of a hand-broken solution."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.conftest import line_matrix

# locations at 0, 600, 900, 1200 s on a line; one van with a lunch-like break
PROBLEM = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [2], "skills": [1],
                  "time_window": [0, 20000], "max_tasks": 5, "max_travel_time": 5000,
                  "breaks": [{"id": 1, "time_windows": [[3000, 6000]], "service": 600}]}],
    "jobs": [{"id": 1, "location_index": 1, "service": 100, "delivery": [1], "skills": [1],
              "time_windows": [[0, 10000]]}],
    "shipments": [{"pickup": {"id": 2, "location_index": 2, "service": 50},
                   "delivery": {"id": 2, "location_index": 3, "service": 50},
                   "amount": [1], "max_ride_time": 3000}],
    "matrices": {"car": {"durations": line_matrix([0, 600, 900, 1200])}},
}


@pytest.fixture(scope="module")
def good():
    """A valid solution of PROBLEM found by the solver."""
    solution = solve(PROBLEM, SolveParams(solution_limit=30))
    assert validate(PROBLEM, solution) == []
    assert solution["summary"]["unassigned"] == 0
    return solution


def step_of(solution, kind):
    """Return the index of the first step of `kind` in the only route."""
    return next(i for i, s in enumerate(solution["routes"][0]["steps"]) if s["type"] == kind)


def _dup(sol):
    steps = sol["routes"][0]["steps"]
    steps.insert(-1, copy.deepcopy(steps[step_of(sol, "job")]))


def _swap_pair(sol):
    steps = sol["routes"][0]["steps"]
    i, j = step_of(sol, "pickup"), step_of(sol, "delivery")
    steps[i], steps[j] = steps[j], steps[i]


def _drop_job(sol):
    del sol["routes"][0]["steps"][step_of(sol, "job")]


SOLUTION_BREAKS = [
    ("duplicate", _dup, "already served in route vehicle 1"),
    ("start location", lambda s: s["routes"][0]["steps"][0].update(location_index=1),
     "step 0 (start): location 1 is not the vehicle's start_index 0"),
    ("no end", lambda s: s["routes"][0]["steps"].pop(), "route vehicle 1: does not finish with an end step"),
    ("too early", lambda s: s["routes"][0]["steps"][step_of(s, "job")].update(
        arrival=s["routes"][0]["steps"][step_of(s, "job")]["arrival"] - 1), "but cannot arrive before"),
    ("no break", lambda s: s["routes"][0]["steps"].pop(step_of(s, "break")),
     "route vehicle 1: break 1 taken 0 times"),
    ("wrong load", lambda s: s["routes"][0]["steps"][step_of(s, "job")].update(load=[7]), "reported load [7]"),
    ("delivery first", _swap_pair, "before its pickup"),
    ("lost task", _drop_job, "job 1: neither routed nor listed as unassigned"),
    ("routed and unassigned", lambda s: s["unassigned"].append({"id": 1, "type": "job"}),
     "unassigned[0]: job 1 is also routed"),
    ("summary", lambda s: s["summary"].update(cost=s["summary"]["cost"] + 1), "summary.cost is"),
    ("route cost", lambda s: s["routes"][0].update(cost=s["routes"][0]["cost"] + 1),
     "route vehicle 1: cost is"),
    ("distance", lambda s: s["routes"][0]["steps"][-1].update(duration=1), "reported driving so far 1"),
    ("late end", lambda s: s["routes"][0]["steps"][-1].update(arrival=25000),
     "(end): arrives Mon 6:56:40 (25000) after the vehicle's time window"),
    ("unknown vehicle", lambda s: s["routes"][0].update(vehicle=99), "routes[0]: unknown vehicle 99"),
]


@pytest.mark.parametrize("name, change, message", SOLUTION_BREAKS, ids=[b[0] for b in SOLUTION_BREAKS])
def test_broken_solution_is_caught(good, name, change, message):
    """Each hand-made flaw in the solution yields a violation line that names it."""
    solution = copy.deepcopy(good)
    change(solution)
    errors = validate(PROBLEM, solution)
    assert any(message in e for e in errors), errors


def _problem(change):
    problem = copy.deepcopy(PROBLEM)
    change(problem)
    return problem


PROBLEM_CHANGES = [
    ("job window", lambda p: p["jobs"][0].update(time_windows=[[15000, 15010]]),
     "(job 1): service starts", "outside its time windows"),
    ("break window", lambda p: p["vehicles"][0]["breaks"][0].update(time_windows=[[0, 10]]),
     "(break 1): break starts", "outside its time windows"),
    ("capacity", lambda p: p["vehicles"][0].update(capacity=[0]), "route vehicle 1", "exceeds capacity 0"),
    ("skills", lambda p: p["vehicles"][0].update(skills=[]), "(job 1)", "vehicle lacks skills [1]"),
    ("ride time", lambda p: p["shipments"][0].update(max_ride_time=0), "(delivery 2)", "exceeds max_ride_time 0"),
    ("max tasks", lambda p: p["vehicles"][0].update(max_tasks=1), "route vehicle 1", "exceed max_tasks 1"),
    ("travel", lambda p: p["vehicles"][0].update(max_travel_time=100), "route vehicle 1", "more than max_travel_time"),
    ("service", lambda p: p["jobs"][0].update(service=200), "(job 1)", "differ from the input 0/200"),
]


@pytest.mark.parametrize("name, change, where, message", PROBLEM_CHANGES, ids=[c[0] for c in PROBLEM_CHANGES])
def test_rule_broken_against_stricter_problem(good, name, change, where, message):
    """The good solution checked against a stricter problem breaks exactly that rule, named by route and step."""
    errors = validate(_problem(change), good)
    assert any(where in e and message in e for e in errors), errors


def test_invalid_problem_is_reported():
    """An invalid problem gives one line instead of an exception."""
    assert validate({"jobs": []}, {"routes": [], "unassigned": []}) == ["problem: matrices: missing (need matrices.car.durations)"]


def test_validator_does_not_import_ortools():
    """The validator stays independent of the solver library."""
    code = "import sys, scheduler.vrp.validator; sys.exit('ortools' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
