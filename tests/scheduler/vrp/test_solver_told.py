"""Told times (re-planning, issue 26): the plan keeps residents near the time they were told, after commitments.

Every plan is checked by the independent validator (``solve_checked``), which
recomputes ``summary.moved``.
"""

from __future__ import annotations

import copy

from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


def _begin(solution, task_id):
    """Return when the service of job `task_id` starts."""
    return next(s["arrival"] + s["waiting_time"] for r in solution["routes"] for s in r["steps"]
                if s["type"] == "job" and s["id"] == task_id)


def _open_route_problem():
    """Three jobs on a line, an open route from 8:00: the cheapest order serves job 3 last, at 9:00 (15 min at each)."""
    jobs = [{"id": i, "location_index": i, "service": 900} for i in (1, 2, 3)]
    vehicles = [{"id": 1, "start_index": 0, "time_window": [8 * H, 18 * H]}]
    return problem([0, 600, 1200, 1800], jobs=jobs, vehicles=vehicles)


def test_a_told_time_the_cheapest_plan_breaks_is_kept(solve_checked):
    """Job 3 was told 8:30-8:40: the plan serves it in time (+-15 min) at a higher cost; without it, at 9:00."""
    free = solve_checked(_open_route_problem())
    told = _open_route_problem()
    told["jobs"][2].update(told_start=8 * H + 1800, told_end=8 * H + 2400)
    kept = solve_checked(told)
    assert _begin(free, 3) > 8 * H + 2400 + 900  # the cheapest plan would move the resident
    assert kept["summary"]["moved"] == 0
    assert 8 * H + 900 <= _begin(kept, 3) <= 8 * H + 3300
    assert kept["summary"]["cost"] > free["summary"]["cost"]


def test_the_plan_with_told_times_moves_fewer_than_without(solve_checked):
    """Told times on every job, in the reverse of the cheapest order: fewer residents moved than a plan ignoring them."""
    base = problem([0, 600, 1200, 1800, 2400],
                   jobs=[{"id": i, "location_index": i, "service": 600} for i in (1, 2, 3, 4)],
                   vehicles=[{"id": 1, "start_index": 0, "time_window": [8 * H, 18 * H]}])
    told = copy.deepcopy(base)
    for job in told["jobs"]:
        start = 8 * H + (5 - job["id"]) * 1500
        job.update(told_start=start, told_end=start + 600)
    kept = solve_checked(told)
    ignored = solve_checked(base)
    moved_ignoring = sum(1 for job in told["jobs"]
                         if not job["told_start"] - 900 <= _begin(ignored, job["id"]) <= job["told_end"] + 900)
    assert kept["summary"]["moved"] < moved_ignoring


def test_a_resident_reached_early_is_served_at_the_told_time(solve_checked):
    """The vehicle reaches job 1 at 8:10, told 10:00-10:30: it waits until 9:45 (told start less the margin)."""
    p = _open_route_problem()
    p["jobs"][0].update(told_start=10 * H, told_end=10 * H + 1800)
    sol = solve_checked(p)
    assert _begin(sol, 1) >= 10 * H - 900
    assert sol["summary"]["moved"] == 0


def test_a_told_time_outside_every_window_still_serves_the_task(solve_checked):
    """A told time the windows no longer allow moves the resident, counted, but never leaves the task out."""
    p = _open_route_problem()
    p["jobs"][0].update(told_start=7 * H, told_end=7 * H + 600, time_windows=[[9 * H, 10 * H]])
    sol = solve_checked(p)
    assert sol["unassigned"] == [] and sol["summary"]["moved"] == 1


def test_commitments_come_before_told_times(solve_checked):
    """Serving a commitment in its window moves a told resident: the commitment wins."""
    p = problem([0, 600, 1200], jobs=[
        {"id": 1, "location_index": 1, "service": 1800, "priority": 100, "time_windows": [[8 * H, 8 * H + 900]]},
        {"id": 2, "location_index": 2, "service": 1800, "told_start": 8 * H, "told_end": 8 * H + 600}],
        vehicles=[{"id": 1, "start_index": 0, "time_window": [8 * H, 18 * H]}])
    sol = solve_checked(p)
    assert route_ids(sol) == [("job", 1), ("job", 2)]
    assert sol["summary"]["moved"] == 1


def test_no_told_time_no_moved_figure(solve_checked):
    """A problem without told times reports as before: no ``moved`` in the summary."""
    assert "moved" not in solve_checked(_open_route_problem())["summary"]
