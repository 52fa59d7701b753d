"""The independent validator catches each broken rule of a hand-broken solution.

Every case starts from `GOOD`, a valid solution of the tiny `PROBLEM` worked out
by hand, breaks one rule and checks that the validator names it.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from scheduler.vrp.params import SolveParams
from scheduler.vrp.validator import validate
from tests.scheduler.conftest import line_matrix

# locations on a line at 0, 600, 900 and 1200 s, 10 m per second of driving
DURATIONS = line_matrix([0, 600, 900, 1200])
PROBLEM = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [2], "skills": [1],
                  "time_window": [0, 20000], "max_tasks": 5, "max_travel_time": 5000,
                  "breaks": [{"id": 1, "time_windows": [[3000, 6000]], "service": 600}]},
                 {"id": 2, "start_index": 0, "end_index": 0, "time_window": [0, 20000]}],
    "jobs": [{"id": 1, "location_index": 1, "service": 100, "delivery": [1], "skills": [1],
              "time_windows": [[0, 10000]]},
             {"id": 9, "location_index": 1, "service": 100, "skills": [2]}],
    "shipments": [{"pickup": {"id": 2, "location_index": 2, "service": 50},
                   "delivery": {"id": 2, "location_index": 3, "service": 50},
                   "amount": [1], "max_ride_time": 3000}],
    "matrices": {"car": {"durations": DURATIONS, "distances": [[10 * s for s in row] for row in DURATIONS]}},
}


def step(kind, arrival, load, drive_s, *, id=None, location=None, waiting=0, service=0):
    """Return a solution step; distance is 10 m per second of driving, as in PROBLEM."""
    out = {"type": kind, "arrival": arrival, "duration": drive_s, "setup": 0, "service": service,
           "waiting_time": waiting, "load": load, "distance": 10 * drive_s}
    if id is not None:
        out["id"] = id
    if location is not None:
        out["location_index"] = location
    return out


# Van 1 serves everything but job 9 (nobody has skill 2); job 1's delivery is on board from the start.
#   step        loc arrive wait begin leaves load drive
#   start        0      0    0     0      0  [1]     0
#   job 1        1    600    0   600    700  [0]   600
#   pickup 2     2   1000    0  1000   1050  [1]   900
#   delivery 2   3   1350    0  1350   1400  [0]  1200   ride 1350 - 1050 = 300 <= 3000
#   break 1      -   1400 1600  3000   3600  [0]  1200   starts inside 3000-6000
#   end          0   4800    0  4800         [0]  2400   3600 + 1200 back
# service 100 + 50 + 50 + 600 = 800; cost = 2400 s of driving at the default 3600 per hour = 2400
GOOD = {
    "code": 0,
    "summary": {"cost": 2400, "routes": 1, "unassigned": 1, "setup": 0, "service": 800, "duration": 2400,
                "waiting_time": 1600, "priority": 0, "distance": 24000},
    "unassigned": [{"id": 9, "type": "job", "description": "", "reason": "no vehicle has skills [2]"}],
    "routes": [{"vehicle": 1, "cost": 2400, "setup": 0, "service": 800, "duration": 2400, "waiting_time": 1600,
                "priority": 0, "distance": 24000, "steps": [
                    step("start", 0, [1], 0, location=0),
                    step("job", 600, [0], 600, id=1, location=1, service=100),
                    step("pickup", 1000, [1], 900, id=2, location=2, service=50),
                    step("delivery", 1350, [0], 1200, id=2, location=3, service=50),
                    step("break", 1400, [0], 1200, id=1, waiting=1600, service=600),
                    step("end", 4800, [0], 2400, location=0),
                ]}],
}


def steps(solution, vehicle=1):
    """Return the steps of the vehicle's route."""
    return next(r for r in solution["routes"] if r["vehicle"] == vehicle)["steps"]


def step_of(solution, kind):
    """Return the first step of `kind` in van 1's route."""
    return next(s for s in steps(solution) if s["type"] == kind)


def index_of(solution, kind):
    """Return the index of the first step of `kind` in van 1's route."""
    return steps(solution).index(step_of(solution, kind))


def test_good_solution_is_valid():
    """The hand-worked solution breaks no rule."""
    assert validate(PROBLEM, GOOD) == []


def test_solver_solution_is_valid(solve_checked):
    """The solver's own solution of PROBLEM passes too (solve_checked asserts it)."""
    assert solve_checked(PROBLEM, solution_limit=30)["summary"]["unassigned"] == 1


def _duplicate_job(sol):
    steps(sol).insert(-1, copy.deepcopy(step_of(sol, "job")))


def _swap_pair(sol):
    i, j = index_of(sol, "pickup"), index_of(sol, "delivery")
    steps(sol)[i], steps(sol)[j] = steps(sol)[j], steps(sol)[i]


def _break_twice(sol):
    steps(sol).insert(index_of(sol, "break") + 1, copy.deepcopy(step_of(sol, "break")))


def _delivery_on_van_2(sol):
    delivery = steps(sol).pop(index_of(sol, "delivery"))
    sol["routes"].append({"vehicle": 2, "steps": [step("start", 0, [0], 0, location=0), delivery,
                                                  step("end", 2600, [0], 2400, location=0)]})


def _unassigned(item, count):
    def change(sol):
        sol["unassigned"].append(item)
        sol["summary"]["unassigned"] = count
    return change


SOLUTION_BREAKS = [
    ("job served twice", _duplicate_job, "step 5 (job 1): already served in route vehicle 1"),
    ("start location", lambda s: s["routes"][0]["steps"][0].update(location_index=1),
     "step 0 (start): location 1 is not the vehicle's start_index 0"),
    ("job location", lambda s: step_of(s, "job").update(location_index=2),
     "step 1 (job 1): location 2 is not the task's 1"),
    ("no end", lambda s: steps(s).pop(), "route vehicle 1: does not finish with an end step"),
    ("too early", lambda s: step_of(s, "job").update(arrival=599),
     "step 1 (job 1): arrives Mon 0:09:59 (599) but cannot arrive before Mon 0:10:00 (600)"),
    ("no break", lambda s: steps(s).pop(index_of(s, "break")), "route vehicle 1: break 1 taken 0 times"),
    ("break twice", _break_twice, "route vehicle 1: break 1 taken 2 times"),
    # the break runs 3000-3600, so the van cannot be back at 3500 even though 1400 + 1200 + 600 <= 3500
    ("break overlaps next step", lambda s: step_of(s, "end").update(arrival=3500),
     "step 4 (break 1): ends Mon 1:00:00 (3600) after the next arrival Mon 0:58:20 (3500)"),
    ("break overlaps previous step", lambda s: step_of(s, "break").update(arrival=1300, waiting_time=0),
     "step 4 (break 1): starts Mon 0:21:40 (1300) before Mon 0:23:20 (1400), the previous step's departure"),
    ("wrong load", lambda s: step_of(s, "job").update(load=[7]), "step 1 (job 1): reported load [7]"),
    ("negative load", _swap_pair, "step 2 (delivery 2): load -1 in dimension 0 is negative"),
    ("delivery first", _swap_pair, "step 2 (delivery 2): before its pickup (step 3)"),
    ("half routed", lambda s: steps(s).pop(index_of(s, "delivery")), "shipment 2/2: only the pickup is routed"),
    ("split over two vehicles", _delivery_on_van_2, "shipment 2/2: pickup on vehicle 1 but delivery on vehicle 2"),
    ("two routes for one vehicle", lambda s: s["routes"].append(copy.deepcopy(s["routes"][0])),
     "routes[1]: vehicle 1 has more than one route"),
    ("unknown vehicle", lambda s: s["routes"][0].update(vehicle=99), "routes[0]: unknown vehicle 99"),
    ("unknown job in a route", lambda s: step_of(s, "job").update(id=42), "step 1 (job 42): unknown job id"),
    ("routed and unassigned", _unassigned({"id": 1, "type": "job"}, 2),
     "unassigned[1]: job 1 is also routed in route vehicle 1"),
    ("unassigned twice", _unassigned({"id": 9, "type": "job"}, 2), "unassigned[1]: job 9 listed twice"),
    ("unknown unassigned", _unassigned({"id": 99, "type": "job"}, 2), "unassigned[1]: unknown job id 99"),
    ("lost task", lambda s: (s["unassigned"].clear(), s["summary"].update(unassigned=0)),
     "job 9: neither routed nor listed as unassigned"),
    ("summary", lambda s: s["summary"].update(cost=2401), "summary.cost is 2401 but the routes sum to 2400"),
    ("route cost", lambda s: s["routes"][0].update(cost=2401), "route vehicle 1: cost is 2401 but recomputed 2400"),
    ("driving", lambda s: step_of(s, "end").update(duration=1), "(end): reported driving so far 1 but recomputed 2400"),
    ("distance", lambda s: step_of(s, "end").update(distance=24001),
     "(end): reported distance so far 24001 but recomputed 24000"),
    ("late end", lambda s: step_of(s, "end").update(arrival=25000),
     "(end): arrives Mon 6:56:40 (25000) after the vehicle's time window"),
]


@pytest.mark.parametrize("name, change, message", SOLUTION_BREAKS, ids=[b[0] for b in SOLUTION_BREAKS])
def test_broken_solution_is_caught(name, change, message):
    """Each hand-made flaw in the solution yields a violation line that names it."""
    solution = copy.deepcopy(GOOD)
    change(solution)
    errors = validate(PROBLEM, solution)
    assert any(message in e for e in errors), errors


def _problem(change):
    problem = copy.deepcopy(PROBLEM)
    change(problem)
    return problem


PROBLEM_CHANGES = [
    ("job window", lambda p: p["jobs"][0].update(time_windows=[[15000, 15010]]),
     "step 1 (job 1): service starts Mon 0:10:00 (600) outside its time windows"),
    ("vehicle hours", lambda p: p["vehicles"][0].update(time_window=[0, 900]),
     "step 2 (pickup 2): service starts Mon 0:16:40 (1000) outside the vehicle's time window"),
    ("break window", lambda p: p["vehicles"][0]["breaks"][0].update(time_windows=[[0, 10]]),
     "step 4 (break 1): break starts Mon 0:50:00 (3000) outside its time windows"),
    ("break length", lambda p: p["vehicles"][0]["breaks"][0].update(service=900),
     "step 4 (break 1): length 600 differs from the input 900"),
    ("capacity", lambda p: p["vehicles"][0].update(capacity=[0]),
     "step 0 (start): load 1 in dimension 0 exceeds capacity 0"),
    ("skills", lambda p: p["vehicles"][0].update(skills=[]), "step 1 (job 1): vehicle lacks skills [1]"),
    # ride from the pickup's end 1050 to the delivery's start 1350
    ("ride time", lambda p: p["shipments"][0].update(max_ride_time=299),
     "step 3 (delivery 2): ride 300 s exceeds max_ride_time 299"),
    ("max tasks", lambda p: p["vehicles"][0].update(max_tasks=2), "route vehicle 1: 3 tasks exceed max_tasks 2"),
    ("travel", lambda p: p["vehicles"][0].update(max_travel_time=2399),
     "route vehicle 1: drives 2400 s, more than max_travel_time 2399"),
    ("service", lambda p: p["jobs"][0].update(service=200), "step 1 (job 1): setup/service 0/100 differ from the input 0/200"),
    ("fixed cost", lambda p: p["vehicles"][0].update(costs={"fixed": 100}), "route vehicle 1: cost is 2400 but recomputed 2500"),
]


@pytest.mark.parametrize("name, change, message", PROBLEM_CHANGES, ids=[c[0] for c in PROBLEM_CHANGES])
def test_rule_broken_against_stricter_problem(name, change, message):
    """The good solution checked against a stricter problem breaks exactly that rule, named by route and step."""
    errors = validate(_problem(change), GOOD)
    assert any(message in e for e in errors), errors


# One van without an end depot takes its break after the last task.
# Start 0, job 1 at 600 (100 s), break 700-1300 inside the van's 0-2000.
OPEN_END = {
    "vehicles": [{"id": 1, "start_index": 0, "time_window": [0, 2000],
                  "breaks": [{"id": 1, "time_windows": [[0, 1500]], "service": 600}]}],
    "jobs": [{"id": 1, "location_index": 1, "service": 100}],
    "matrices": {"car": {"durations": line_matrix([0, 600])}},
}
OPEN_END_GOOD = {
    "code": 0,
    "summary": {"cost": 600, "routes": 1, "unassigned": 0, "setup": 0, "service": 700, "duration": 600,
                "waiting_time": 0, "priority": 0, "distance": 0},
    "unassigned": [],
    "routes": [{"vehicle": 1, "cost": 600, "setup": 0, "service": 700, "duration": 600, "waiting_time": 0,
                "priority": 0, "distance": 0, "steps": [
                    {**step("start", 0, [], 0, location=0), "distance": 0},
                    {**step("job", 600, [], 600, id=1, location=1, service=100), "distance": 0},
                    {**step("break", 700, [], 600, id=1, service=600), "distance": 0},
                ]}],
}


@pytest.mark.parametrize("change_problem, change_break, message", [
    (None, None, None),
    # the van's day now ends at 1200, before the break ends at 1300
    (lambda p: p["vehicles"][0].update(time_window=[0, 1200]), None,
     "step 2 (break 1): ends Mon 0:21:40 (1300) after the vehicle's time window"),
    # the job's service runs until 700
    (None, lambda b: b.update(arrival=650), "step 2 (break 1): starts Mon 0:10:50 (650) before the previous step ends"),
], ids=["valid", "late", "overlaps the last task"])
def test_open_end_break(change_problem, change_break, message):
    """A break after the last step of an open route starts after that step and ends inside the vehicle's hours."""
    problem, solution = copy.deepcopy(OPEN_END), copy.deepcopy(OPEN_END_GOOD)
    if change_problem:
        change_problem(problem)
    if change_break:
        change_break(solution["routes"][0]["steps"][-1])
    errors = validate(problem, solution)
    assert errors == [] if message is None else any(message in e for e in errors), errors


# A van with no capacity, time_window, costs or distances given: by the format these mean
# unlimited, any time, per_hour 3600 and 0 m. It leaves at 118200 (Tue 8:50) with job 1's
# 5 boxes, serves job 1 at 118800 (Tue 9:00) and is back at 119400: 1200 s driving costs 1200.
DEFAULTS = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
    "jobs": [{"id": 1, "location_index": 1, "delivery": [5], "time_windows": [[118800, 119400]]}],
    "matrices": {"car": {"durations": line_matrix([0, 600])}},
}
DEFAULTS_GOOD = {
    "code": 0,
    "summary": {"cost": 1200, "routes": 1, "unassigned": 0, "setup": 0, "service": 0, "duration": 1200,
                "waiting_time": 0, "priority": 0, "distance": 0},
    "unassigned": [],
    "routes": [{"vehicle": 1, "cost": 1200, "setup": 0, "service": 0, "duration": 1200, "waiting_time": 0,
                "priority": 0, "distance": 0, "steps": [
                    {**step("start", 118200, [5], 0, location=0), "distance": 0},
                    {**step("job", 118800, [0], 600, id=1, location=1), "distance": 0},
                    {**step("end", 119400, [0], 1200, location=0), "distance": 0},
                ]}],
}


def test_format_defaults_are_applied():
    """A missing capacity is unlimited, a missing time_window any time and missing costs charge driving time."""
    assert validate(DEFAULTS, DEFAULTS_GOOD) == []
    # a reading with capacity 0, a window at time 0 or a zero hourly cost would reject this instead
    cheap = copy.deepcopy(DEFAULTS_GOOD)
    cheap["routes"][0]["cost"] = cheap["summary"]["cost"] = 0
    assert validate(DEFAULTS, cheap) == ["route vehicle 1: cost is 0 but recomputed 1200"]


def test_parser_default_bug_is_caught(monkeypatch):
    """A wrong default in the solver's parser is not shared by the validator, so it shows up as a violation.

    Here the parser is made to read a missing ``costs.per_hour`` as 1800
    instead of 3600: the solver then reports a cost of 1200 s x 1800 / 3600
    = 600, and the validator, reading the problem itself, expects 1200.
    """
    from scheduler.vrp import problem as problem_module
    from scheduler.vrp import solver as solver_module

    right = problem_module.parse_problem

    def half_price(data):
        parsed = right(data)
        for vehicle, raw in zip(parsed.vehicles, data["vehicles"]):
            if "per_hour" not in raw.get("costs", {}):
                vehicle.per_hour_cost = 1800
        return parsed

    monkeypatch.setattr(problem_module, "parse_problem", half_price)
    monkeypatch.setattr(solver_module, "parse_problem", half_price)
    solution = solver_module.solve(DEFAULTS, SolveParams(solution_limit=10))
    assert solution["routes"][0]["cost"] == 600
    assert "route vehicle 1: cost is 600 but recomputed 1200" in validate(DEFAULTS, solution)


@pytest.mark.parametrize("change, line", [
    (lambda p: p.pop("matrices"), "problem: matrices: missing (need matrices.car.durations)"),
    (lambda p: p["jobs"][0].update(location_index=7),
     "problem: jobs[0].location_index: location index 7 out of range (matrices have 4 rows)"),
    (lambda p: p["vehicles"][1].update(profile="bike"), "problem: vehicles[1].profile: no matrices for profile 'bike'"),
    (lambda p: p["shipments"][0]["delivery"].update(service="long"),
     'problem: shipments[0].delivery.service: expected an integer, got "long"'),
    (lambda p: p["vehicles"][1].update(id=1), "problem: vehicles[1].id: duplicate vehicle id 1"),
    (lambda p: p["jobs"][1].update(pickup=[1, 1]), "problem: jobs[1].pickup: has 2 values but vehicles[0].capacity has 1"),
])
def test_unreadable_problem_is_one_line(change, line):
    """A problem the validator cannot read gives one line naming the field instead of an exception."""
    assert validate(_problem(change), GOOD) == [line]


@pytest.mark.parametrize("module", ["ortools", "scheduler.vrp.problem", "scheduler.vrp.solver"])
def test_validator_is_independent_of_the_solver(module):
    """The validator imports neither the solver library nor the solver's parser."""
    code = f"import sys, scheduler.vrp.validator; sys.exit({module!r} in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
