"""Tasks held to a vehicle by its ``steps`` (re-planning, issue 26): fixed steps start the route, locked tasks stay.

Every problem is on a line of locations (`tests.scheduler.vrp.test_solver.problem`);
every plan is checked by the independent validator (``solve_checked``).
"""

from __future__ import annotations

from scheduler.vrp.held import BROKEN, hold
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import parse_problem
from tests.scheduler.vrp.test_solver import problem, route_ids

H = 3600


def _vehicles(*steps_per_vehicle):
    return [{"id": k + 1, "start_index": 0, "end_index": 0, "time_window": [8 * H, 18 * H], "steps": list(steps)}
            for k, steps in enumerate(steps_per_vehicle)]


def _codes(solution):
    return {(u["type"], u["id"]): u["code"] for u in solution["unassigned"]}


def test_fixed_steps_start_the_route_in_their_order(solve_checked):
    """Fixed steps 4, 1 (a detour the cheapest plan would never make) start the route; the rest follow them."""
    jobs = [{"id": i, "location_index": i, "service": 300} for i in range(1, 6)]
    steps = [{"type": "job", "id": 4, "fixed": True}, {"type": "job", "id": 1, "fixed": True}]
    sol = solve_checked(problem([0, 600, 1200, 1800, 2400, 3000], jobs=jobs, vehicles=_vehicles(steps)))
    assert route_ids(sol)[:2] == [("job", 4), ("job", 1)]
    assert sorted(route_ids(sol)[2:]) == [("job", 2), ("job", 3), ("job", 5)]
    assert sol["unassigned"] == []


def test_a_fixed_pickup_is_delivered_later_on_the_same_route(solve_checked):
    """The rider picked up in the fixed steps is delivered by the same vehicle, after them."""
    shipments = [{"pickup": {"id": 1, "location_index": 2, "service": 60},
                  "delivery": {"id": 1, "location_index": 1, "service": 60}, "amount": [1]}]
    jobs = [{"id": 1, "location_index": 3, "service": 60}]
    vehicles = _vehicles([{"type": "pickup", "id": 1, "fixed": True}]) + _vehicles([])[:1]
    vehicles[1]["id"] = 2
    vehicles[0]["capacity"] = vehicles[1]["capacity"] = [1]
    sol = solve_checked(problem([0, 600, 1200, 1800], jobs=jobs, shipments=shipments, vehicles=vehicles))
    served = route_ids(sol, 1)
    assert served[0] == ("pickup", 1) and ("delivery", 1) in served


def test_a_locked_task_stays_on_its_vehicle(solve_checked):
    """Job 1 sits at vehicle 2's depot; locked to vehicle 1, vehicle 1 drives there for it."""
    positions = [0, 3000, 3000]  # vehicle 1's depot at 0, vehicle 2's depot (index 2) where job 1 is
    vehicles = _vehicles([{"type": "job", "id": 1, "locked": True}], [])
    vehicles[1].update(start_index=2, end_index=2)
    jobs = [{"id": 1, "location_index": 1, "service": 300}, {"id": 2, "location_index": 0, "service": 300}]
    sol = solve_checked(problem(positions, jobs=jobs, vehicles=vehicles))
    assert ("job", 1) in route_ids(sol, 1)
    # without the lock, vehicle 2 serves it (no driving at all)
    for v in vehicles:
        v.pop("steps")
    free = solve_checked(problem(positions, jobs=jobs, vehicles=vehicles))
    assert ("job", 1) in route_ids(free, 2)


def test_a_fixed_step_past_its_window_is_left_out_with_the_later_ones(solve_checked):
    """Fixed step 2 cannot be reached in its window after step 1: it and step 3 are broken, step 1 kept."""
    jobs = [{"id": 1, "location_index": 1, "service": 300},
            {"id": 2, "location_index": 3, "service": 300, "time_windows": [[8 * H, 8 * H + 900]]},
            {"id": 3, "location_index": 2, "service": 300}]
    steps = [{"type": "job", "id": i, "fixed": True} for i in (1, 2, 3)]
    sol = solve_checked(problem([0, 600, 1200, 1800], jobs=jobs, vehicles=_vehicles(steps)))
    assert route_ids(sol)[0] == ("job", 1)
    assert _codes(sol) == {("job", 2): BROKEN, ("job", 3): BROKEN}


def test_a_held_task_its_vehicle_cannot_serve_gets_the_code(solve_checked):
    """A task locked to a vehicle without its skill is left out as a broken step, though another could serve it."""
    vehicles = _vehicles([{"type": "job", "id": 1, "locked": True}], [])
    vehicles[1]["skills"] = [3]
    jobs = [{"id": 1, "location_index": 1, "service": 300, "skills": [3]}]
    sol = solve_checked(problem([0, 600], jobs=jobs, vehicles=vehicles))
    assert _codes(sol) == {("job", 1): BROKEN}
    assert "vehicle 1" in sol["unassigned"][0]["reason"]


def test_hold_restricts_held_tasks_to_one_node_on_their_vehicle():
    """A held job with two windows becomes one node on its vehicle; the fixed prefix is recorded."""
    jobs = [{"id": 1, "location_index": 1, "time_windows": [[8 * H, 9 * H], [10 * H, 11 * H]]},
            {"id": 2, "location_index": 1}]
    model = hold(prepare(parse_problem(problem([0, 600], jobs=jobs, vehicles=_vehicles(
        [{"type": "job", "id": 2, "fixed": True}, {"type": "job", "id": 1, "locked": True}], [])))))
    assert model.allowed[0] == [0] and 0 not in model.alternatives
    assert model.fixed == {0: [1]}
    assert model.reasons == {}
