"""Routes of pick-ups and deliveries (`scheduler.vrp.pair_routes`): exact ride timing, and a screen that refuses
nothing the timing accepts."""

from __future__ import annotations

import pytest

from scheduler.vrp.construct import insertion_plan
from scheduler.vrp.pair_routes import Routes
from tests.scheduler.vrp.test_pairs import _setup, dial_a_ride


def test_a_rider_waits_before_the_pick_up_rather_than_on_board():
    """Pick-up open all morning, drop-off at 09:00-09:05, 10 minutes apart, 15 on board at most.

    Starting the pick-up as early as the van can reach it (00:10) would keep the
    rider on board for hours; the route is feasible by starting it at 08:50 or later.
    """
    problem = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [1], "time_window": [0, 36000]}],
               "shipments": [{"pickup": {"id": 1, "location_index": 1, "time_windows": [[0, 36000]]},
                              "delivery": {"id": 2, "location_index": 2, "time_windows": [[32400, 32700]]},
                              "amount": [1], "max_ride_time": 900}],
               "matrices": {"car": {"durations": [[0, 600, 600], [600, 0, 600], [600, 600, 0]]}}}
    model, table, travel = _setup(problem)
    routes = Routes(model, table, travel)
    pickup = next(i for i, t in enumerate(table.task) if model.tasks[t].kind == "pickup")
    seq = [routes.starts[0], pickup, routes.partner[pickup], routes.ends[0]]
    begins = routes.timed(0, seq)
    assert begins is not None
    assert begins[2] - begins[1] <= 900 and 32400 <= begins[2] <= 32700
    assert begins[1] >= 600  # the van can be there


def test_a_ride_no_waiting_can_shorten_is_refused():
    """Rider A (1 -> 2) may ride 15 minutes; carrying rider B (3 -> 4) on the way makes it 30 however the van waits."""
    far = [[0 if a == b else 600 for b in range(5)] for a in range(5)]
    problem = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [2]}],
               "shipments": [{"pickup": {"id": 1, "location_index": 1}, "delivery": {"id": 2, "location_index": 2},
                              "amount": [1], "max_ride_time": 900},
                             {"pickup": {"id": 3, "location_index": 3}, "delivery": {"id": 4, "location_index": 4},
                              "amount": [1]}],
               "matrices": {"car": {"durations": far}}}
    model, table, travel = _setup(problem)
    routes = Routes(model, table, travel)
    node = {model.tasks[t].id: i for i, t in enumerate(table.task)}
    start, end = routes.starts[0], routes.ends[0]
    assert routes.timed(0, [start, node[1], node[2], node[3], node[4], end]) is not None
    assert routes.timed(0, [start, node[1], node[3], node[4], node[2], end]) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_screen_never_refuses_an_insertion_the_exact_timing_accepts(seed):
    """Every request taken out of the constructed plan, then every position on every route tried exactly."""
    problem = dial_a_ride(16, 3, seed)
    model, table, travel = _setup(problem)
    plan = insertion_plan(model, table, travel)
    routes = Routes(model, table, travel)
    checked = accepted = 0
    for k, route in enumerate(plan.routes):
        seq = [routes.starts[k], *route, routes.ends[k]]
        routes.refresh(k, seq, routes.timed(k, seq))
    for k in range(len(plan.routes)):
        for p in [n for n in plan.routes[k] if routes.pickup[n]]:
            kept = [n for n in routes.seq[k] if n not in (p, routes.partner[p])]
            before = routes.seq[k]
            if routes.timed(k, kept) is None:
                continue
            routes.refresh(k, kept)
            for other in range(len(plan.routes)):
                screened = {(i, j) for _, i, j in routes.screened(p, other)}
                m = len(routes.seq[other])
                for i in range(m - 1):
                    for j in range(i, m - 1):
                        checked += 1
                        if routes.timed(other, routes.with_pair(other, p, i, j)) is not None:
                            accepted += 1
                            assert (i, j) in screened, (p, other, i, j)
            routes.refresh(k, before)
    assert checked > 1000 and accepted > 20  # the check saw many positions and many feasible ones
