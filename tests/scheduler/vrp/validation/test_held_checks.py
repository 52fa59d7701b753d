"""The validator's checks of re-planning (`scheduler.vrp.validation.held_checks`) refuse hand-broken plans.

Each case solves a small problem with held steps and told times, breaks one
rule in the solution or the problem and checks the validator names it.
"""

from __future__ import annotations

import copy

import pytest

from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


@pytest.fixture
def planned(solve_checked):
    """Return (problem, valid solution): vehicle 1 with fixed steps 3, 1 and job 2 locked; job 4 told."""
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "time_window": [8 * H, 18 * H]} for k in (1, 2)]
    vehicles[0]["steps"] = [{"type": "job", "id": 3, "fixed": True}, {"type": "job", "id": 1, "fixed": True},
                            {"type": "job", "id": 2, "locked": True}]
    jobs = [{"id": i, "location_index": i, "service": 300} for i in (1, 2, 3, 4)]
    jobs[3].update(told_start=9 * H, told_end=9 * H + 1800)
    p = problem([0, 600, 1200, 1800, 2400], jobs=jobs, vehicles=vehicles)
    solution = solve_checked(p)
    assert route_ids(solution, 1)[:2] == [("job", 3), ("job", 1)]
    assert solution["summary"]["moved"] == 0
    return p, solution


def _route(solution, vehicle):
    return next(r for r in solution["routes"] if r["vehicle"] == vehicle)


def test_reordered_fixed_steps_are_refused(planned):
    p, solution = planned
    broken = copy.deepcopy(solution)
    steps = _route(broken, 1)["steps"]
    steps[1]["id"], steps[2]["id"] = steps[2]["id"], steps[1]["id"]
    assert any("does not start with its fixed steps in order (job 3, job 1)" in e for e in validate(p, broken))


def test_a_locked_task_on_another_vehicle_is_refused(planned):
    """The plan serves job 4 on some route; locking it to the other vehicle makes that plan wrong."""
    p, solution = planned
    on = next(r["vehicle"] for r in solution["routes"] if ("job", 4) in route_ids(solution, r["vehicle"]))
    other = 2 if on == 1 else 1
    moved = copy.deepcopy(p)
    next(v for v in moved["vehicles"] if v["id"] == other).setdefault("steps", []).append(
        {"type": "job", "id": 4, "locked": True})
    assert any(f"held to vehicle {other} by its steps, served by another" in e for e in validate(moved, solution))


def test_a_miscounted_moved_is_refused(planned):
    p, solution = planned
    broken = copy.deepcopy(solution)
    broken["summary"]["moved"] += 1
    assert any(e.startswith("summary.moved is") for e in validate(p, broken))
    del broken["summary"]["moved"]
    assert any(e.startswith("summary.moved is None") for e in validate(p, broken))


def test_a_left_out_told_task_counts_as_moved(planned):
    """Dropping the told job 4 from its route (and listing it) leaves the summary's count one short."""
    p, solution = planned
    broken = copy.deepcopy(solution)
    for route in broken["routes"]:
        route["steps"] = [s for s in route["steps"] if not (s["type"] == "job" and s["id"] == 4)]
    broken["unassigned"].append({"type": "job", "id": 4, "code": "no_time"})
    assert any(e.startswith("summary.moved is") for e in validate(p, broken))


def test_the_broken_step_code_only_for_held_tasks(planned):
    """A held task left out must carry fixed_step_broken; a task not held must not."""
    p, solution = planned
    broken = copy.deepcopy(solution)
    route = _route(broken, 1)
    route["steps"] = [s for s in route["steps"] if not (s["type"] == "job" and s["id"] == 2)]
    broken["unassigned"].append({"type": "job", "id": 2, "code": "no_time"})
    assert any("job 2 is held to vehicle 1: code must be fixed_step_broken" in e for e in validate(p, broken))
    unheld = copy.deepcopy(p)
    unheld["vehicles"][0]["steps"].pop()  # job 2 no longer locked
    broken["unassigned"][-1]["code"] = "fixed_step_broken"
    assert any("code fixed_step_broken but job 2 is in no vehicle's steps" in e for e in validate(unheld, broken))


def test_a_later_fixed_step_served_after_a_broken_one_is_refused(planned):
    """Fixed step 1 (job 3) left out while step 2 (job 1) is served: the order is broken."""
    p, solution = planned
    broken = copy.deepcopy(solution)
    route = _route(broken, 1)
    route["steps"] = [s for s in route["steps"] if not (s["type"] == "job" and s["id"] == 3)]
    broken["unassigned"].append({"type": "job", "id": 3, "code": "fixed_step_broken"})
    errors = validate(p, broken)
    assert any("job 1: a fixed step of vehicle 1 served after an earlier fixed step was left out" in e for e in errors)
