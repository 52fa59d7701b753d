"""Cordeau's dial-a-ride instances in the problem format (`benchmarks.readers.read_cordeau`) and the darp table.

A two-request instance in Cordeau's format is written here (the unit tests never read
``../shared``): its conversion, a solve checked by the validator, and the table's summary.
"""

from __future__ import annotations

import math

import pytest

from benchmarks.bench_darp import (
    instance_paths,
    plan_distance,
    served_requests,
    summary_lines,
)
from benchmarks.readers import read_cordeau
from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate

# K n T Q L, then id x y service load ready due: depot, 2 pick-ups, 2 drop-offs, end depot
_TINY = """2 2 480 3 30
  0   0.000   0.000   0   0    0  480
  1   3.000   4.000   3   1    0 1440
  2  -1.500   2.000   3   2   60   75
  3   6.000   8.000   3  -1  20.5   40
  4  -4.500   6.000   3  -2    0 1440
  5   0.000   0.000   0   0    0  480
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "a2-2"
    path.write_text(_TINY)
    return path


def test_every_request_becomes_a_committed_shipment_with_its_windows_seats_and_ride_limit(tiny):
    inst = read_cordeau(tiny)
    problem = inst.problem
    assert inst.name == "a2-2" and inst.scale == 1000 and inst.vehicles == 2 and inst.capacity == 3
    first, second = problem["shipments"]
    assert first["pickup"] == {"id": 1, "location_index": 1, "service": 3000, "time_windows": [[0, 1440000]]}
    assert first["delivery"] == {"id": 3, "location_index": 3, "service": 3000, "time_windows": [[20500, 40000]]}
    assert second["amount"] == [2] and second["pickup"]["time_windows"] == [[60000, 75000]]
    assert {s["priority"] for s in problem["shipments"]} == {100}
    assert {s["max_ride_time"] for s in problem["shipments"]} == {30000}
    assert problem["vehicles"] == [{"id": k, "start_index": 0, "end_index": 0, "capacity": [3],
                                    "time_window": [0, 480000]} for k in (1, 2)]


def test_arcs_are_the_euclidean_distance_rounded_up_at_the_scale(tiny):
    """0 -> 1 is exactly 5 (5000, no rounding noise); 1 -> 2 is sqrt(24.25) = 4.924..., so 4925."""
    matrix = read_cordeau(tiny).problem["matrices"]["car"]["durations"]
    assert matrix[0][1] == 5000 and matrix[1][0] == 5000 and matrix[0][0] == 0
    assert matrix[1][2] == math.ceil(1000 * math.hypot(4.5, 2.0)) == 4925
    assert len(matrix) == 5  # the end depot is the start depot: node 2n + 1 is not a location


def test_a_depot_window_that_is_not_the_route_duration_limit_is_refused(tmp_path):
    path = tmp_path / "a2-2"
    path.write_text(_TINY.replace("  0   0.000   0.000   0   0    0  480", "  0   0.000   0.000   0   0    0  400", 1))
    with pytest.raises(ValueError, match="depot window"):
        read_cordeau(path)


def test_a_solved_instance_is_valid_and_its_distance_is_recomputed_from_the_coordinates(tiny):
    inst = read_cordeau(tiny)
    solution = solve(inst.problem, SolveParams(solution_limit=20, time_limit_s=300))
    assert validate(inst.problem, solution) == []
    assert served_requests(solution) == 2
    # the integer matrix rounds each arc up by less than 1/1000
    arcs = sum(1 + sum(1 for s in r["steps"] if s["type"] in {"pickup", "delivery"}) for r in solution["routes"])
    assert 0 <= solution["summary"]["distance"] / 1000 - plan_distance(inst, solution) <= arcs / 1000


def test_the_summary_gives_the_gaps_only_when_every_optimum_instance_is_fully_served():
    row = {"valid": True, "total": 16}
    results = [{**row, "name": "a2-16", "served": 16, "gap": 1.0}, {**row, "name": "a2-24", "served": 16, "gap": 3.0},
               {**row, "name": "a2-20", "served": 16, "gap": None}]
    assert summary_lines(results) == [
        "3 of 3 instances fully served, 3 of 3 plans valid.",
        "Over the 2 instances with a proven optimum: mean gap +2.00 %, worst +3.00 % (a2-24)."]
    results[0]["served"] = 15
    assert summary_lines(results)[1] == \
        "Not fully served or not valid among the 2 with an optimum: a2-16 (no mean gap)."


def test_instances_are_listed_by_series_and_size_and_picked_by_name_or_prefix(tmp_path):
    for name in ("b2-16", "a10-96", "a2-16", "a2-20", "BKS.csv", "README"):
        (tmp_path / name).write_text("")
    assert [p.name for p in instance_paths(tmp_path, None)] == ["a2-16", "a2-20", "a10-96", "b2-16"]
    assert [p.name for p in instance_paths(tmp_path, ["a2", "b2-16"])] == ["a2-16", "a2-20", "b2-16"]
