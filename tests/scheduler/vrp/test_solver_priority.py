"""Priority trades: leaving out several cheap tasks to serve one valuable task.

One vehicle, shift 0–1000 s; the short jobs (350 s each) sit at location 1,
100 s from the depot, the long job (700 s) at location 2, 150 s away. Both
short jobs fit (100 + 700 + 100 = 900 ≤ 1000), the long job fits alone
(150 + 700 + 150 = 1000), but the long job and a short one never fit
(100 + 350 + 50 + 700 + 150 = 1350). The short jobs are nearer, so a
cheapest-insertion start serves them and leaves out the long one; only a
move that takes out two tasks and puts in one finds the better plan.
"""

from __future__ import annotations

from tests.scheduler.vrp.test_solver import problem, route_ids, unassigned


def _trade_problem(long_priority: int) -> dict:
    short = [{"id": i, "location_index": 1, "service": 350, "priority": 10} for i in (1, 2)]
    long = {"id": 3, "location_index": 2, "service": 700, "priority": long_priority}
    return problem([0, 100, 150], jobs=[*short, long],
                   vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 1000]}])


def test_two_cheap_jobs_give_way_to_one_valuable_job(solve_checked):
    """Long job priority 50 (left out: 51 U) beats two priority-10 jobs (11 + 11 = 22 U)."""
    sol = solve_checked(_trade_problem(50))
    assert route_ids(sol) == [("job", 3)]
    assert set(unassigned(sol)) == {("job", 1), ("job", 2)}


def test_two_jobs_stay_when_together_worth_more(solve_checked):
    """Long job priority 20 (21 U) is worth less than the two short jobs (22 U): they stay."""
    sol = solve_checked(_trade_problem(20))
    assert sorted(route_ids(sol)) == [("job", 1), ("job", 2)]
    assert set(unassigned(sol)) == {("job", 3)}
