"""The commitments-first insertion plan for large weeks (`scheduler.vrp.construct`), checked by the validator."""

from __future__ import annotations

import random

from scheduler.vrp.params import SolveParams
from scheduler.vrp.solver import solve
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600
DAY = 86400


def _large_week(seed: int = 5, n_jobs: int = 260, n_shipments: int = 100) -> dict:
    """A week of 460 stops (above the size where AUTO builds its own first plan) on a grid of minutes.

    Ten vehicles a day for five days, 8:00–17:00 with a lunch starting
    11:30–12:30; jobs with one- or two-day windows, some commitments; rides
    with a 45-minute limit. Locations are 1–20 minutes apart (Manhattan).
    """
    rng = random.Random(seed)
    n_loc = 1 + n_jobs + 2 * n_shipments
    points = [(rng.randint(0, 10) * 60, rng.randint(0, 10) * 60) for _ in range(n_loc)]
    durations = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in points] for a in points]
    vehicles = [{"id": 10 * day + k + 1, "start_index": 0, "end_index": 0, "capacity": [4],
                 "time_window": [day * DAY + 8 * H, day * DAY + 17 * H],
                 "breaks": [{"id": 1, "service": H, "time_windows": [[day * DAY + 11 * H + 1800, day * DAY + 12 * H + 1800]]}]}
                for day in range(5) for k in range(10)]
    jobs = []
    for i in range(1, n_jobs + 1):
        day = rng.randrange(5)
        if rng.random() < 0.2:
            hour = rng.choice([9, 10, 14, 15])
            jobs.append({"id": i, "location_index": i, "service": 1200, "priority": 100,
                         "time_windows": [[day * DAY + hour * H, day * DAY + (hour + 1) * H]]})
        else:
            jobs.append({"id": i, "location_index": i, "service": rng.choice([600, 1200, 1800]),
                         "priority": rng.choice([10, 40, 90]),
                         "time_windows": [[day * DAY + 9 * H, day * DAY + 16 * H]]})
    shipments = []
    for s in range(1, n_shipments + 1):
        day, hour = rng.randrange(5), rng.choice([9, 10, 13, 14])
        pick, drop = n_jobs + 2 * s - 1, n_jobs + 2 * s
        shipments.append({"pickup": {"id": s, "location_index": pick, "service": 120,
                                     "time_windows": [[day * DAY + hour * H, day * DAY + hour * H + 1800]]},
                          "delivery": {"id": s, "location_index": drop, "service": 120},
                          "amount": [1], "priority": rng.choice([20, 100]), "max_ride_time": 2700})
    return {"vehicles": vehicles, "jobs": jobs, "shipments": shipments,
            "matrices": {"car": {"durations": durations}}}


def test_large_week_gets_a_valid_plan_serving_nearly_everything():
    """460 stops on 50 shifts: a valid, non-empty plan that keeps nearly every commitment (solution limit, no clock)."""
    week = _large_week()
    solution = solve(week, SolveParams(solution_limit=1, time_limit_s=300))
    assert validate(week, solution) == []
    assert solution["routes"]
    served = 460 - solution["summary"]["unassigned"]
    assert served >= 0.9 * 460
    commitments = {("job", j["id"]) for j in week["jobs"] if j["priority"] == 100} | \
        {("pickup", s["pickup"]["id"]) for s in week["shipments"] if s["priority"] == 100}
    left_out = {(u["type"], u["id"]) for u in solution["unassigned"]} & commitments
    assert len(left_out) <= 0.02 * len(commitments)
    assert "first_solution" in solution["summary"]["computing_times"]


def test_constructed_plan_is_deterministic():
    """The insertion plan depends on the input alone: two solves under a solution limit give the same routes."""
    week = _large_week(seed=8, n_jobs=300, n_shipments=60)
    first = solve(week, SolveParams(solution_limit=1, time_limit_s=300))
    second = solve(week, SolveParams(solution_limit=1, time_limit_s=300))
    assert first["routes"] == second["routes"] and first["unassigned"] == second["unassigned"]


def test_commitment_is_inserted_before_a_waiting_task_that_wants_the_same_slot(solve_checked):
    """Forced to build its own plan, the solver puts the commitment (priority 100) into the only slot.

    One vehicle 9:00–10:00; two jobs of 50 min at the depot's door, both
    only 9:00–9:10: only one fits. The waiting one (priority 98) is listed
    first but the commitment is placed, and the other is ``no_time``.
    """
    jobs = [{"id": 1, "location_index": 1, "service": 3000, "priority": 98, "time_windows": [[9 * H, 9 * H + 600]]},
            {"id": 2, "location_index": 1, "service": 3000, "priority": 100, "time_windows": [[9 * H, 9 * H + 600]]}]
    vehicles = [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [9 * H, 10 * H]}]
    sol = solve_checked(problem([0, 0], jobs=jobs, vehicles=vehicles), first_solution="COMMITMENTS_FIRST_INSERTION")
    assert route_ids(sol) == [("job", 2)]
    assert [(u["id"], u["code"]) for u in sol["unassigned"]] == [(1, "no_time")]


def test_pickup_waits_for_a_delivery_promised_hours_later(solve_checked):
    """A shop open from 9:00, a delivery promised for 14:30–15:30, at most 90 minutes on board.

    Served as early as possible the pick-up would make the ride 5.5 hours;
    the insertion plan must start it late enough, as any feasible plan does.
    """
    vehicles = [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [8 * H, 17 * H]}]
    shipments = [{"pickup": {"id": 1, "location_index": 1, "service": 300, "time_windows": [[9 * H, 18 * H]]},
                  "delivery": {"id": 1, "location_index": 2, "service": 300,
                               "time_windows": [[14 * H + 1800, 15 * H + 1800]]},
                  "amount": [1], "priority": 100, "max_ride_time": 5400}]
    sol = solve_checked(problem([0, 600, 1200], shipments=shipments, vehicles=vehicles),
                        first_solution="COMMITMENTS_FIRST_INSERTION", solution_limit=1)
    assert route_ids(sol) == [("pickup", 1), ("delivery", 1)]
    steps = {s["type"]: s for s in sol["routes"][0]["steps"]}
    ride = steps["delivery"]["arrival"] + steps["delivery"]["waiting_time"] \
        - (steps["pickup"]["arrival"] + steps["pickup"]["waiting_time"])
    assert ride <= 5400 + 300


def test_positions_ruled_out_by_the_schedule_never_fit():
    """The timed position filter (windows, forward time slack) only drops positions that `schedule` refuses.

    On a constructed 300-stop week with lunches, ride limits and commitments,
    every job node is tried at every position of every route it may use:
    whatever position times successfully must be among those `_positions` keeps.
    Also on the same week with no windows at all, where lunch breaks and ride
    limits decide.
    """
    checked = kept_fitting = 0
    for open_windows in (False, True):  # open: breaks and ride limits decide, not windows
        model, tight, builder = _built_week(seed=41, n_jobs=200, n_shipments=50, open_windows=open_windows)
        rng = random.Random(2)
        jobs = [n for n, t in enumerate(tight.task) if model.tasks[t].kind == "job"]
        for x in rng.sample(jobs, 60):
            for k in tight.allowed[x]:
                route = [n for n in builder.routes[k] if n != x]
                if route != builder.routes[k]:
                    continue  # x is on this route: its timing is not the route without x
                kept = {i for _, i in builder._positions(k, route, x)}
                for i in range(len(route) + 1):
                    checked += 1
                    if builder.timer.schedule(k, route[:i] + [x] + route[i:]) is not None:
                        assert i in kept, (open_windows, x, k, i)
                        kept_fitting += 1
    assert checked > 1000 and kept_fitting > 0


def _built_week(*, seed: int, n_jobs: int, n_shipments: int, open_windows: bool):
    """Return (model, nodes, builder) holding the insertion plan of a generated week (windows removed if open)."""
    from scheduler.vrp.construct import Builder, insertion_plan, ride_tightened
    from scheduler.vrp.model import node_layout, node_travel
    from scheduler.vrp.precheck import prepare
    from scheduler.vrp.problem import parse_problem
    from scheduler.vrp.search import node_table

    week = _large_week(seed=seed, n_jobs=n_jobs, n_shipments=n_shipments)
    if open_windows:
        for task in [*week["jobs"], *(x for s in week["shipments"] for x in (s["pickup"], s["delivery"]))]:
            task.pop("time_windows", None)
    model = prepare(parse_problem(week))
    nodes = node_layout(model)
    table, travel = node_table(nodes), node_travel(model, nodes)
    plan = insertion_plan(model, table, travel)
    tight = ride_tightened(model, table)
    builder = Builder(model, tight, travel)
    for k, route in enumerate(plan.routes):
        assert builder.place(k, list(route))
    assert any(plan.routes)
    return model, tight, builder


def test_delivery_gaps_ruled_out_for_a_pair_never_fit():
    """The pair filter (the pick-up's delay carried, riders' ride limits, the new ride's limit) only drops what `schedule` refuses.

    Every shipment is taken out of the constructed week and tried at every
    pick-up position of every route it may use that `_positions` keeps, with
    its delivery at every later gap: whatever times successfully must be among
    the gaps `_deliveries` keeps. Run on the rich week and on the same week
    with no windows at all, where ride limits decide.
    """
    fitting = 0
    for open_windows in (False, True):
        model, tight, builder = _built_week(seed=43, n_jobs=60, n_shipments=90, open_windows=open_windows)
        rng = random.Random(3)
        pickups = [n for n, t in enumerate(tight.task) if model.tasks[t].kind == "pickup"]
        for p in rng.sample(pickups, 25):
            d = builder.timer.partner[p]
            for k in tight.allowed[p]:
                if p in builder.routes[k]:
                    continue  # on this route: its timing is not the route without it
                route = builder.routes[k]
                for _, i in builder._positions(k, route, p):
                    kept = {g for _, g in builder._deliveries(k, route, p, d, i)}
                    with_p = route[:i] + [p] + route[i:]
                    for g in range(i, len(route) + 1):
                        if builder.timer.schedule(k, with_p[:g + 1] + [d] + with_p[g + 1:]) is not None:
                            assert g in kept, (open_windows, p, k, i, g)
                            fitting += 1
    assert fitting > 50
