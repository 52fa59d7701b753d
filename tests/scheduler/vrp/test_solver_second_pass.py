"""The solver's second pass: one bad task never sinks the plan, commitments first, reason codes.

Hand-checkable problems on a line (`tests.scheduler.vrp.test_solver.problem`):
location i sits that many driving seconds from the origin. Every solution is
checked by the independent validator (`solve_checked`).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.vrp.format import REASON_CODES
from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


def codes(solution) -> dict[tuple[str, int], str]:
    """Return {(type, id): code} of the unassigned tasks."""
    return {(u["type"], u["id"]): u["code"] for u in solution["unassigned"]}


def test_impossible_ride_does_not_empty_the_plan(solve_checked):
    """The issue's case: a pick-up at 8:30–8:40, at most 15 min on board, a drop-off that opens at 9:00.

    The ride can never be kept (boarding by 8:40 + 1 min, arriving no earlier
    than 9:00 = 19 min on board), so it is listed with code ``ride_time`` and
    the two plain jobs are still served; before, the whole plan came back empty.
    """
    shipment = {"pickup": {"id": 1, "location_index": 1, "service": 60, "time_windows": [[30600, 31200]]},
                "delivery": {"id": 1, "location_index": 2, "service": 60, "time_windows": [[32400, 36000]]},
                "max_ride_time": 900}
    jobs = [{"id": 1, "location_index": 3, "service": 600}, {"id": 2, "location_index": 4, "service": 600}]
    vehicles = [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [28800, 61200]}]
    sol = solve_checked(problem([0, 600, 900, 1200, 1500], jobs=jobs, shipments=[shipment], vehicles=vehicles))
    assert sorted(route_ids(sol)) == [("job", 1), ("job", 2)]
    assert codes(sol) == {("pickup", 1): "ride_time", ("delivery", 1): "ride_time"}


def _base():
    """A solvable problem: two vehicles 8:00–17:00 with a lunch 12:00–13:00, five jobs, one shipment."""
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "capacity": [4], "skills": [1],
                 "time_window": [8 * H, 17 * H], "breaks": [{"id": 1, "service": H, "time_windows": [[12 * H, 13 * H]]}]}
                for k in (1, 2)]
    jobs = [{"id": i, "location_index": i, "service": 900, "delivery": [1]} for i in range(1, 6)]
    shipments = [{"pickup": {"id": 1, "location_index": 6, "service": 120},
                  "delivery": {"id": 1, "location_index": 7, "service": 120},
                  "amount": [1], "max_ride_time": 1800}]
    return problem([0, 300, 600, 900, 1200, 1500, 400, 800], jobs=jobs, shipments=shipments, vehicles=vehicles)


#: One impossible task of each kind, at location 1 (300 s from the depot), as a job with id 99.
IMPOSSIBLE = {
    # no vehicle has skill 5
    "skill": {"id": 99, "location_index": 1, "skills": [5]},
    # 9 units, vehicles carry 4
    "capacity": {"id": 99, "location_index": 1, "delivery": [9]},
    # the only window is at 6:00, before any shift starts (8:00)
    "no_shift_in_window": {"id": 99, "location_index": 1, "time_windows": [[6 * H, 6 * H + 600]]},
    # 8:00–8:04 but the drive takes 5 min (300 s)
    "window_unreachable": {"id": 99, "location_index": 1, "time_windows": [[8 * H, 8 * H + 240]]},
    # 9 h of service does not fit a 9 h shift with a 1 h lunch and 10 min of driving
    "shift_too_short": {"id": 99, "location_index": 1, "service": 9 * H},
    # a 5 h service starting 11:00–11:10 covers 12:00–13:00, when the lunch must start; alone it
    # would be back by 16:15, inside the shift, so only the lunch is in the way
    "break": {"id": 99, "location_index": 1, "service": 5 * H, "time_windows": [[11 * H, 11 * H + 600]]},
}


@pytest.mark.parametrize("code", sorted(IMPOSSIBLE))
def test_one_impossible_job_of_each_kind_changes_nothing_else(code, solve_checked):
    """Adding one impossible job leaves every other task's service exactly as it was, and names the cause."""
    base = _base()
    before = solve_checked(copy.deepcopy(base))
    bad = copy.deepcopy(base)
    bad["jobs"].append({"service": 300, **IMPOSSIBLE[code]})
    after = solve_checked(bad)
    assert codes(after) == {**codes(before), ("job", 99): code}
    assert after["routes"] == before["routes"]


def test_impossible_ride_of_a_pair_changes_nothing_else(solve_checked):
    """A shipment whose ride limit is shorter than the direct drive is listed as ride_time; the rest is unchanged."""
    base = _base()
    before = solve_checked(copy.deepcopy(base))
    bad = copy.deepcopy(base)
    bad["shipments"].append({"pickup": {"id": 9, "location_index": 1}, "delivery": {"id": 9, "location_index": 5},
                             "amount": [1], "max_ride_time": 600})  # 300 -> 1500 is a 1200 s drive
    after = solve_checked(bad)
    assert codes(after) == {**codes(before), ("pickup", 9): "ride_time", ("delivery", 9): "ride_time"}
    assert after["routes"] == before["routes"]


def test_every_reason_code_is_produced(solve_checked, monkeypatch):
    """Each code of the closed set comes out of a small case (not_solved from a search that finds nothing)."""
    seen = set()
    for job in IMPOSSIBLE.values():
        p = _base()
        p["jobs"].append({"service": 300, **job})
        seen |= set(codes(solve_checked(p)).values())
    p = _base()
    p["vehicles"] = []
    seen |= set(codes(solve_checked(p)).values())  # no_vehicle
    p = _base()
    for v in p["vehicles"]:
        v["max_tasks"] = 1
    seen |= set(codes(solve_checked(p)).values())  # max_tasks (the shipment needs 2), no_time (jobs 2..5)
    p = _base()
    for v in p["vehicles"]:
        v["max_travel_time"] = 500
    seen |= set(codes(solve_checked(p)).values())  # travel_limit: every trip is at least 600 s
    p = _base()
    p["shipments"][0]["max_ride_time"] = 60  # 400 -> 800 takes 400 s
    seen |= set(codes(solve_checked(p)).values())  # ride_time
    p = _base()
    for v in p["vehicles"]:
        # 12:00–13:10, ending 800 s away: the 1 h lunch and the drive need 13:13
        v.update(time_window=[12 * H, 13 * H + 600], end_index=7)
    seen |= set(codes(solve_checked(p)).values())  # vehicle_unusable
    p = _base()
    for i in (2, 3):  # two deliveries of one group that must both start at 10:00 at the same door
        p["shipments"].append({"pickup": {"id": i, "location_index": 6}, "amount": [1], "delivery_group": "g",
                               "delivery": {"id": i, "location_index": 7, "service": 60,
                                            "time_windows": [[10 * H, 10 * H]]}})
    seen |= set(codes(solve_checked(p)).values())  # group
    p = _base()  # job 1 locked to vehicle 1, which lacks its skill
    p["jobs"][0]["skills"] = [2]
    p["vehicles"][1]["skills"] = [1, 2]
    p["vehicles"][0]["steps"] = [{"type": "job", "id": 1, "locked": True}]
    seen |= set(codes(solve_checked(p)).values())  # fixed_step_broken
    monkeypatch.setattr("scheduler.vrp.search.run_search", lambda om, settings, params, initial=None: None)
    seen |= set(codes(solve(_base(), SolveParams(solution_limit=1))).values())  # not_solved
    assert seen == set(REASON_CODES)


def test_unusable_vehicle_serves_nothing_and_the_rest_is_planned(solve_checked):
    """A shift too short for its lunch and drive no longer stops the problem: the other vehicle serves everything."""
    p = _base()
    # 12:00–13:10, ending 800 s away: the 1 h lunch and the drive need until 13:13
    p["vehicles"][0].update(time_window=[12 * H, 13 * H + 600], end_index=7)
    p["vehicles"][1]["capacity"] = [8]  # room for all five deliveries and the shipment
    sol = solve_checked(p)
    assert sol["unassigned"] == []
    assert [r["vehicle"] for r in sol["routes"]] == [2]


def test_a_commitment_beats_any_number_of_waiting_tasks(solve_checked):
    """One shift 8:30–12:00: a hall session 9:00–11:30 (priority 100) or three rides of priority 98.

    The session (10 min from the depot) fills 9:00–11:30; the rides must be
    picked up 9:00–11:00 (20 min out, 20 min on to the clinic, all three fit
    in the van at once), so it is the session or the rides. Under a linear
    rule the rides weigh 3 × 99 = 297 against the session's 101, yet the
    session is a commitment and is kept; the rides are listed as ``no_time``.
    """
    session = {"id": 1, "location_index": 1, "service": 150 * 60, "priority": 100,
               "time_windows": [[9 * H, 9 * H + 600]]}
    rides = [{"pickup": {"id": i, "location_index": 2, "service": 60},
              "delivery": {"id": i, "location_index": 3, "service": 60},
              "amount": [1], "priority": 98} for i in (1, 2, 3)]
    for ride in rides:
        ride["pickup"]["time_windows"] = [[9 * H, 11 * H]]
    vehicles = [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [3], "time_window": [8 * H + 1800, 12 * H]}]
    sol = solve_checked(problem([0, 600, 1200, 2400], jobs=[session], shipments=rides, vehicles=vehicles))
    assert ("job", 1) in route_ids(sol)
    assert set(codes(sol).values()) == {"no_time"}


@st.composite
def _problem_and_impossible_task(draw):
    """A small servable problem (every task fits by construction) and one impossible task to add."""
    n_jobs = draw(st.integers(1, 5))
    positions = [0] + [draw(st.integers(1, 20)) * 60 for _ in range(n_jobs + 1)]
    positions.append(positions[-1] + 600)  # the impossible ride's drop-off, 600 s past its pick-up
    jobs = [{"id": i, "location_index": i, "service": draw(st.sampled_from([0, 300, 900])),
             "priority": draw(st.sampled_from([0, 10, 100]))} for i in range(1, n_jobs + 1)]
    # one vehicle per job, each 8 h with a lunch anywhere: every job fits alone on its own vehicle
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "capacity": [2], "skills": [1],
                 "time_window": [8 * H, 16 * H], "breaks": [{"id": 1, "service": 1800, "time_windows": [[11 * H, 14 * H]]}]}
                for k in range(1, n_jobs + 1)]
    kind = draw(st.sampled_from(["skill", "capacity", "window", "ride"]))
    bad_job = {"id": 99, "location_index": n_jobs + 1}
    shipments = []
    if kind == "skill":
        bad_job["skills"] = [7]
    elif kind == "capacity":
        bad_job["delivery"] = [3]
    elif kind == "window":
        bad_job["time_windows"] = [[20 * H, 21 * H]]
    else:
        bad_job = None
        shipments = [{"pickup": {"id": 99, "location_index": n_jobs + 1},
                      "delivery": {"id": 99, "location_index": n_jobs + 2},
                      "amount": [1], "max_ride_time": 540}]  # the direct drive takes 600 s
    for job in jobs:
        job["delivery"] = [1]
    base = problem(positions, jobs=jobs, vehicles=vehicles)
    extra = [{"delivery": [1], **bad_job}] if bad_job else []
    bad = problem(positions, jobs=jobs + extra, shipments=shipments, vehicles=vehicles)
    return base, bad


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problem_and_impossible_task())
def test_adding_one_impossible_task_leaves_the_rest_unchanged(case):
    """Property: one impossible task (skill, capacity, window or ride) changes no route and is listed unassigned."""
    base, bad = case
    params = SolveParams(solution_limit=20, time_limit_s=30)
    before, after = solve(base, params), solve(bad, params)
    assert validate(base, before) == [] and validate(bad, after) == []
    assert before["unassigned"] == []
    assert after["routes"] == before["routes"]
    assert {u["id"] for u in after["unassigned"]} == {99}
    assert all(u["code"] in REASON_CODES and u["code"] != "no_time" for u in after["unassigned"])
