"""Property and determinism tests: random small problems always give valid solutions."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate


def _manhattan(points):
    # Manhattan distances keep the triangle inequality, like a road network
    return [[abs(ax - bx) + abs(ay - by) for bx, by in points] for ax, ay in points]


@st.composite
def small_problems(draw):
    """Draw a problem with at most 8 tasks and 3 vehicles using every feature of the format."""
    n_locations = draw(st.integers(2, 6))
    points = [(draw(st.integers(0, 60)) * 60, draw(st.integers(0, 60)) * 60) for _ in range(n_locations)]
    durations = _manhattan(points)
    loc = st.integers(0, n_locations - 1)
    dims = draw(st.integers(0, 2))

    def windows():
        if not draw(st.booleans()):
            return []
        out, t = [], draw(st.integers(0, 4)) * 1800
        for _ in range(draw(st.integers(1, 2))):
            length = draw(st.integers(0, 4)) * 1800
            out.append([t, t + length])
            t += length + draw(st.integers(1, 4)) * 1800
        return out

    def amount(high):
        return [draw(st.integers(0, high)) for _ in range(dims)]

    n_jobs = draw(st.integers(0, 8))
    jobs = [{"id": i, "location_index": draw(loc), "setup": draw(st.sampled_from([0, 120])),
             "service": draw(st.sampled_from([0, 300, 900])), "delivery": amount(2), "pickup": amount(2),
             "skills": [1] if draw(st.booleans()) else [],
             "priority": draw(st.integers(0, 3)), "time_windows": windows()} for i in range(n_jobs)]
    shipments = []
    for i in range(draw(st.integers(0, (8 - n_jobs) // 2))):
        ride = draw(st.one_of(st.none(), st.integers(1, 8).map(lambda h: h * 900)))
        shipments.append({
            "pickup": {"id": i, "location_index": draw(loc), "service": 60, "time_windows": windows()},
            "delivery": {"id": i, "location_index": draw(loc), "service": 60, "time_windows": windows()},
            "amount": amount(2), "skills": [2] if draw(st.booleans()) else [], "priority": draw(st.integers(0, 3)),
            "max_ride_time": ride})
    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 2)) * 1800
        end = start + draw(st.integers(2, 10)) * 1800
        vehicle = {"id": k, "capacity": [draw(st.integers(1, 4)) for _ in range(dims)],
                   "skills": sorted(draw(st.sets(st.integers(1, 2)))), "time_window": [start, end],
                   "costs": {"fixed": draw(st.sampled_from([0, 500])), "per_hour": draw(st.sampled_from([3600, 1800]))}}
        if draw(st.booleans()):
            vehicle["start_index"] = draw(loc)
        if draw(st.booleans()):
            vehicle["end_index"] = draw(loc)
        if draw(st.booleans()) and end - start >= 3600:
            vehicle["breaks"] = [{"id": 1, "service": 900, "time_windows": [[start + 1800, start + 2700]]}]
        if draw(st.booleans()):
            vehicle["max_tasks"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            vehicle["max_travel_time"] = draw(st.integers(1, 6)) * 1800
        vehicles.append(vehicle)
    return {"vehicles": vehicles, "jobs": jobs, "shipments": shipments,
            "matrices": {"car": {"durations": durations,
                                 "distances": [[3 * x for x in row] for row in durations]}}}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_random_small_problems_give_valid_solutions(problem):
    """Whatever the mix of windows, breaks, pairs, skills and limits, the solution passes the validator."""
    solution = solve(problem, SolveParams(solution_limit=20, time_limit_s=2))
    assert validate(problem, solution) == []
    for item in solution["unassigned"]:
        assert item["reason"]


def _random_problem(seed: int, n_jobs: int) -> dict:
    rng = random.Random(seed)
    points = [(rng.randint(0, 100) * 30, rng.randint(0, 100) * 30) for _ in range(n_jobs + 1)]
    durations = _manhattan(points)
    jobs = [{"id": i, "location_index": i, "service": 300, "delivery": [1],
             "time_windows": [[0, 20000]] if i % 3 else [[rng.randint(0, 8) * 1800, rng.randint(9, 12) * 1800]]}
            for i in range(1, n_jobs + 1)]
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "capacity": [8], "time_window": [0, 30000],
                 "breaks": [{"id": 1, "service": 1800, "time_windows": [[9000, 12000]]}]} for k in range(3)]
    return {"vehicles": vehicles, "jobs": jobs, "matrices": {"car": {"durations": durations}}}


def test_same_seed_and_solution_limit_give_the_same_plan():
    """Two solves with the same seed and solution limit return identical routes (clock-free stop)."""
    problem = _random_problem(7, 20)
    params = SolveParams(solution_limit=60, time_limit_s=60, seed=3, workers=2)  # workers ignored: limit given
    first = solve(problem, params)
    second = solve(problem, params)
    assert validate(problem, first) == []
    for sol in (first, second):
        sol["summary"].pop("computing_times")
    assert first == second


def test_two_workers_give_a_valid_solution():
    """The two-process portfolio (time limit only) returns a valid solution no worse than one worker's first."""
    problem = _random_problem(11, 15)
    solution = solve(problem, SolveParams(time_limit_s=1, workers=2))
    assert validate(problem, solution) == []
    assert solution["summary"]["unassigned"] == 0
