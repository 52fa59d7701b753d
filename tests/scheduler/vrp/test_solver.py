"""Hand-checkable problems for every solver feature; every solution is validated.

Locations sit on a line: ``line_matrix([0, 600, ...])`` puts location i at
that many driving seconds from the origin, so a drive is the difference of two
positions. Distances are 10 m per second of driving. Costs default to one per
driving second (per_hour 3600).
"""

from __future__ import annotations

import pytest

from scheduler.vrp.format import format_week_time
from scheduler.vrp.solver import NOT_ENOUGH_TIME
from tests.scheduler.conftest import line_matrix

DAY = 86400
TUE, WED, THU = DAY, 2 * DAY, 3 * DAY


def problem(positions, *, jobs=(), shipments=(), vehicles=None):
    """Return a problem dict on a line of locations (see module docstring)."""
    durations = line_matrix(list(positions))
    return {
        "vehicles": list(vehicles) if vehicles is not None else [{"id": 1, "start_index": 0, "end_index": 0}],
        "jobs": list(jobs),
        "shipments": list(shipments),
        "matrices": {"car": {"durations": durations,
                             "distances": [[10 * x for x in row] for row in durations]}},
    }


def route_ids(solution, vehicle=None):
    """Return (type, id) of the task steps of a vehicle's route (first route by default)."""
    routes = solution["routes"]
    route = routes[0] if vehicle is None else next(r for r in routes if r["vehicle"] == vehicle)
    return [(s["type"], s["id"]) for s in route["steps"] if s["type"] in {"job", "pickup", "delivery"}]


def unassigned(solution):
    """Return {(type, id): reason} of the unassigned tasks."""
    return {(u["type"], u["id"]): u["reason"] for u in solution["unassigned"]}


def test_single_job(solve_checked):
    """One job 600 s away: out and back = 1200 s of driving, cost 1200, 12 km."""
    sol = solve_checked(problem([0, 600], jobs=[{"id": 7, "location_index": 1, "service": 300}]))
    assert route_ids(sol) == [("job", 7)]
    assert sol["summary"]["cost"] == 1200
    assert sol["summary"]["duration"] == 1200
    assert sol["summary"]["distance"] == 12000
    assert sol["summary"]["service"] == 300
    steps = sol["routes"][0]["steps"]
    assert [s["type"] for s in steps] == ["start", "job", "end"]
    # leaves at t, arrives t + 600, serves 300 s, back at t + 1500
    assert steps[2]["arrival"] - steps[0]["arrival"] == 1500


def test_time_windows_fix_the_order(solve_checked):
    """Job B (pos 200) must start by 500, job A (pos 100) not before 1000, so B comes first."""
    sol = solve_checked(problem([0, 100, 200], jobs=[
        {"id": 1, "location_index": 1, "time_windows": [[1000, 1100]]},
        {"id": 2, "location_index": 2, "time_windows": [[0, 500]]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 5000]}]))
    assert route_ids(sol) == [("job", 2), ("job", 1)]
    job_a = sol["routes"][0]["steps"][2]
    assert job_a["arrival"] + job_a["waiting_time"] >= 1000
    # 0 -> 200 -> 100 -> 0 = 200 + 100 + 100
    assert sol["summary"]["cost"] == 400


def test_two_window_choice_takes_the_reachable_day(solve_checked):
    """A visit allowed Tue 9-12 or Thu 13-16 is served on Thursday by a Thursday shift."""
    tue = [TUE + 9 * 3600, TUE + 12 * 3600]
    thu = [THU + 13 * 3600, THU + 16 * 3600]
    shift = [THU + 8 * 3600 + 1800, THU + 17 * 3600 + 900]
    sol = solve_checked(problem([0, 1800], jobs=[
        {"id": 1, "location_index": 1, "service": 3600, "time_windows": [tue, thu]},
    ], vehicles=[{"id": 4, "start_index": 0, "end_index": 0, "time_window": shift}]))
    step = sol["routes"][0]["steps"][1]
    start = step["arrival"] + step["waiting_time"]
    assert thu[0] <= start <= thu[1]
    assert format_week_time(start).startswith("Thu")


def test_shipment_same_vehicle_pickup_first(solve_checked):
    """A shipment is picked up (pos 300) before it is dropped (pos 100), on one vehicle."""
    sol = solve_checked(problem([0, 100, 300], shipments=[
        {"pickup": {"id": 1, "location_index": 2}, "delivery": {"id": 1, "location_index": 1}, "amount": [1]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [1]},
                 {"id": 2, "start_index": 0, "end_index": 0, "capacity": [1]}]))
    assert len(sol["routes"]) == 1
    assert route_ids(sol) == [("pickup", 1), ("delivery", 1)]
    # 0 -> 300 -> 100 -> 0
    assert sol["summary"]["cost"] == 600
    loads = [s["load"] for s in sol["routes"][0]["steps"]]
    assert loads == [[0], [1], [0], [0]]


def test_max_ride_time_forces_a_direct_trip(solve_checked):
    """With a 500 s ride limit, shipment 1 is delivered before shipment 2 is picked up.

    Pickups at 100 and 300 (300 s service each), deliveries at 500 and 700.
    Shared trip 0-100-300-500-700-0 costs 1400 but shipment 1 rides from 400
    (end of its pickup) to 1100: 700 s. Direct 0-100-500-300-700-0 costs
    100+400+200+400+700 = 1800 and shipment 1 rides 400 -> 800 = 400 s.
    """
    ships = [
        {"pickup": {"id": 1, "location_index": 1, "service": 300},
         "delivery": {"id": 1, "location_index": 3}, "max_ride_time": 500},
        {"pickup": {"id": 2, "location_index": 2, "service": 300},
         "delivery": {"id": 2, "location_index": 4}},
    ]
    free = solve_checked(problem([0, 100, 300, 500, 700], shipments=[dict(s, max_ride_time=None) for s in ships]))
    assert free["summary"]["cost"] == 1400
    sol = solve_checked(problem([0, 100, 300, 500, 700], shipments=ships))
    assert sol["summary"]["cost"] == 1800
    assert route_ids(sol) == [("pickup", 1), ("delivery", 1), ("pickup", 2), ("delivery", 2)]


def test_lunch_break_with_two_windows(solve_checked):
    """A job 11:30-12:00 pushes the lunch (start 11:30-11:45 or 12:00-12:30) into its second window."""
    shift = [8 * 3600 + 1800, 17 * 3600 + 900]
    lunch = {"id": 9, "service": 3600, "time_windows": [[41400, 42300], [43200, 45000]]}
    sol = solve_checked(problem([0, 600], jobs=[
        {"id": 1, "location_index": 1, "service": 1800, "time_windows": [[41400, 41400]]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": shift, "breaks": [lunch]}]))
    steps = sol["routes"][0]["steps"]
    brk = next(s for s in steps if s["type"] == "break")
    assert 43200 <= brk["arrival"] + brk["waiting_time"] <= 45000
    assert [s["type"] for s in steps] == ["start", "job", "break", "end"]
    assert sol["summary"]["service"] == 1800 + 3600


def test_break_of_a_used_vehicle_is_always_taken(solve_checked):
    """A lunch whose window lies before the only job is still taken once, before it."""
    shift = [30600, 62100]
    lunch = {"id": 1, "service": 3600, "time_windows": [[41400, 45000]]}
    sol = solve_checked(problem([0, 600], jobs=[
        {"id": 1, "location_index": 1, "time_windows": [[50000, 52000]]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": shift, "breaks": [lunch]}]))
    assert [s["type"] for s in sol["routes"][0]["steps"]] == ["start", "break", "job", "end"]


def test_multi_dimensional_capacity(solve_checked):
    """Two vans [2 boxes, 1 cool box]: the two cool-box jobs need both vans."""
    vans = [{"id": k, "start_index": 0, "end_index": 0, "capacity": [2, 1]} for k in (1, 2)]
    sol = solve_checked(problem([0, 100, 200, 300, 400], jobs=[
        {"id": 1, "location_index": 1, "delivery": [1, 0]},
        {"id": 2, "location_index": 2, "delivery": [1, 0]},
        {"id": 3, "location_index": 3, "delivery": [1, 1]},
        {"id": 4, "location_index": 4, "delivery": [0, 1]},
    ], vehicles=vans))
    assert sol["summary"]["unassigned"] == 0
    where = {i: r["vehicle"] for r in sol["routes"] for t, i in route_ids(sol, r["vehicle"])}
    assert where[3] != where[4]


@pytest.mark.parametrize("capacity, served", [([2], 1), ([4], 2)])
def test_delivery_loaded_at_start_and_pickup_carried(solve_checked, capacity, served):
    """Job A delivers 2 (pos 300), job B picks up 2 (pos 100, must start by 150).

    B has to come first (A first reaches B at 500 > 150), and then the van
    carries A's 2 boxes plus B's 2: load 4. With capacity 2 only one job fits,
    with capacity 4 both (0 -> 100 -> 300 -> 0 = 600). Greedy descent: with capacity 2 iterated
    local search finds no second plan, so only the time limit would end it (the local optimum does).
    """
    sol = solve_checked(problem([0, 300, 100], jobs=[
        {"id": 1, "location_index": 1, "delivery": [2]},
        {"id": 2, "location_index": 2, "pickup": [2], "time_windows": [[0, 150]]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": capacity}]), metaheuristic="GREEDY_DESCENT")
    assert 2 - sol["summary"]["unassigned"] == served
    if served == 2:
        assert route_ids(sol) == [("job", 2), ("job", 1)]
        assert [s["load"] for s in sol["routes"][0]["steps"]] == [[2], [4], [2], [2]]


def test_job_that_delivers_and_picks_up_the_same_amount(solve_checked):
    """A job delivering 2 and picking up 2 (pos 300) is served with the van holding 2 all along.

    Its net load change is 0, yet the van leaves with 2 on board: the load
    dimension's bound must count both amounts (2 + 2 + 1 = 5, capped at the
    capacity 12), not only the net change (0 + 1 = 1, which left it out).
    """
    sol = solve_checked(problem([0, 300], jobs=[
        {"id": 1, "location_index": 1, "delivery": [2], "pickup": [2]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [12]}]))
    assert sol["unassigned"] == []
    assert [s["load"] for s in sol["routes"][0]["steps"]] == [[2], [2], [2]]


def test_skills_pick_the_equipped_vehicle(solve_checked):
    """A job needing skill 1 goes to vehicle 2 (has it) though vehicle 1 is parked on the spot."""
    sol = solve_checked(problem([0, 1000], jobs=[
        {"id": 1, "location_index": 1, "skills": [1]},
    ], vehicles=[{"id": 1, "start_index": 1, "end_index": 1, "skills": [2]},
                 {"id": 2, "start_index": 0, "end_index": 0, "skills": [1, 2]}]))
    assert [r["vehicle"] for r in sol["routes"]] == [2]
    assert sol["summary"]["cost"] == 2000


def test_max_tasks_splits_the_work(solve_checked):
    """Three jobs at one place, at most two per vehicle: two routes of 2 and 1 tasks."""
    sol = solve_checked(problem([0, 500], jobs=[{"id": i, "location_index": 1} for i in (1, 2, 3)],
                                vehicles=[{"id": k, "start_index": 0, "end_index": 0, "max_tasks": 2}
                                          for k in (1, 2)]))
    assert sorted(len(route_ids(sol, r["vehicle"])) for r in sol["routes"]) == [1, 2]
    # two round trips of 1000 s
    assert sol["summary"]["cost"] == 2000


def test_max_travel_time_drops_the_costlier_job(solve_checked):
    """Driving limit 2000 s: jobs at +500 and -600 take 2200 s together, so only the nearer one is served."""
    sol = solve_checked(problem([0, 500, -600], jobs=[
        {"id": 1, "location_index": 1}, {"id": 2, "location_index": 2},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "max_travel_time": 2000}]))
    assert route_ids(sol) == [("job", 1)]
    assert unassigned(sol) == {("job", 2): NOT_ENOUGH_TIME}


def test_fixed_and_hourly_costs_choose_the_cheaper_vehicle(solve_checked):
    """Round trip of 1200 s: van A 1000 + 1200 = 2200, van B 0 + 1200 x 2 = 2400 -> van A."""
    vans = [{"id": 1, "start_index": 0, "end_index": 0, "costs": {"fixed": 1000, "per_hour": 3600}},
            {"id": 2, "start_index": 0, "end_index": 0, "costs": {"fixed": 0, "per_hour": 7200}}]
    sol = solve_checked(problem([0, 600], jobs=[{"id": 1, "location_index": 1}], vehicles=vans))
    assert [r["vehicle"] for r in sol["routes"]] == [1]
    assert sol["summary"]["cost"] == 2200
    vans[0]["costs"]["fixed"] = 1300  # now 2500 > 2400 -> van B
    sol = solve_checked(problem([0, 600], jobs=[{"id": 1, "location_index": 1}], vehicles=vans))
    assert [r["vehicle"] for r in sol["routes"]] == [2]
    assert sol["summary"]["cost"] == 2400


def test_hourly_cost_is_rounded_per_route(solve_checked):
    """Per hour 100 for 1200 s of driving costs 100 x 1200 / 3600 = 33.3 -> 33."""
    van = {"id": 1, "start_index": 0, "end_index": 0, "costs": {"per_hour": 100}}
    sol = solve_checked(problem([0, 600], jobs=[{"id": 1, "location_index": 1}], vehicles=[van]))
    assert sol["summary"]["cost"] == 33


@pytest.mark.parametrize("vehicle, cost, types", [
    ({"id": 1, "start_index": 0}, 900, ["start", "job", "job"]),  # 0 -> 600 -> 900
    ({"id": 1, "end_index": 0}, 900, ["job", "job", "end"]),  # 900 -> 600 -> 0
    ({"id": 1}, 300, ["job", "job"]),  # 600 <-> 900 only
])
def test_open_routes(solve_checked, vehicle, cost, types):
    """Without an end (or start) the route stops at (starts from) a task; nothing is charged for the missing leg."""
    sol = solve_checked(problem([0, 600, 900], jobs=[
        {"id": 1, "location_index": 1}, {"id": 2, "location_index": 2}], vehicles=[vehicle]))
    assert sol["summary"]["cost"] == cost
    assert [s["type"] for s in sol["routes"][0]["steps"]] == types


def test_priority_wins_when_time_is_short(solve_checked):
    """Shift of 2000 s: job A (+600) and B (-700) need 2600 s together; B has priority so B is served."""
    jobs = [{"id": 1, "location_index": 1}, {"id": 2, "location_index": 2, "priority": 10}]
    van = [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 2000]}]
    sol = solve_checked(problem([0, 600, -700], jobs=jobs, vehicles=van))
    assert route_ids(sol) == [("job", 2)]
    assert sol["summary"]["priority"] == 10
    # without the priority the cheaper job A (1200 < 1400) is kept
    jobs[1]["priority"] = 0
    sol = solve_checked(problem([0, 600, -700], jobs=jobs, vehicles=van))
    assert route_ids(sol) == [("job", 1)]


def test_domain_week_shift_with_lunch_delivery_and_skills(solve_checked):
    """The shape the planner produces: shifts per van and day, lunch, visits with two-day windows, a chilled errand.

    Van 1 works Tue and Wed, the kei-van (cool box = skill 1) Tue only.
    Visits allow Tue 9-12 or Wed 13-16; the chilled errand (skill 1) must go
    on the kei-van with a 90-minute ride limit.
    """
    def shift(day):
        return [day + 30600, day + 62100]

    def lunch():
        return {"id": 1, "service": 3600, "time_windows": [[0, 0]]}

    vehicles = []
    for vid, day, skills in ((11, TUE, [2]), (12, WED, [2]), (21, TUE, [1, 2])):
        brk = lunch()
        brk["time_windows"] = [[day + 41400, day + 45000]]
        vehicles.append({"id": vid, "start_index": 0, "end_index": 0, "capacity": [6], "skills": skills,
                         "time_window": shift(day), "breaks": [brk], "description": f"van {vid}"})
    windows = [[TUE + 32400, TUE + 43200], [WED + 46800, WED + 57600]]
    jobs = [{"id": i, "location_index": i, "setup": 300, "service": 1200 + 300 * i, "skills": [2],
             "time_windows": windows} for i in range(1, 7)]
    ships = [{"pickup": {"id": 1, "location_index": 7, "service": 300,
                         "time_windows": [[TUE + 36000, TUE + 39600]]},
              "delivery": {"id": 1, "location_index": 3, "service": 300},
              "amount": [2], "skills": [1], "max_ride_time": 5400}]
    sol = solve_checked(problem([0, 900, 1500, 2100, -800, -1600, 2700, 1200], jobs=jobs, shipments=ships,
                                vehicles=vehicles), solution_limit=300)
    assert sol["summary"]["unassigned"] == 0
    kei = next(r for r in sol["routes"] if r["vehicle"] == 21)
    assert ("pickup", 1) in route_ids(sol, 21) and ("delivery", 1) in route_ids(sol, 21)
    assert sum(1 for s in kei["steps"] if s["type"] == "break") == 1


def test_reason_missing_skill(solve_checked):
    """No vehicle has skill 7: the job is set aside with that reason."""
    sol = solve_checked(problem([0, 100], jobs=[{"id": 1, "location_index": 1, "skills": [7]}]))
    assert unassigned(sol) == {("job", 1): "no vehicle has skills [7]"}


def test_reason_too_large(solve_checked):
    """5 boxes never fit a 4-box van; a shipment is listed twice (pickup and delivery)."""
    sol = solve_checked(problem([0, 100, 200], shipments=[
        {"pickup": {"id": 3, "location_index": 1}, "delivery": {"id": 4, "location_index": 2}, "amount": [5]},
    ], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [4]}]))
    reasons = unassigned(sol)
    assert set(reasons) == {("pickup", 3), ("delivery", 4)}
    assert all("too large for the capacity" in r for r in reasons.values())
    assert sol["summary"]["unassigned"] == 2


def test_reason_unreachable_window(solve_checked):
    """The shift starts Tue 8:30 and the house is 2 h away: a Tue 9:00-9:30 window cannot be reached."""
    window = [TUE + 9 * 3600, TUE + 9 * 3600 + 1800]
    sol = solve_checked(problem([0, 7200], jobs=[{"id": 1, "location_index": 1, "time_windows": [window]}],
                                vehicles=[{"id": 1, "start_index": 0, "end_index": 0,
                                           "time_window": [TUE + 30600, TUE + 62100]}]))
    assert unassigned(sol) == {("job", 1): "time window Tue 9:00–9:30 cannot be reached from any depot in time"}


def test_reason_not_enough_time(solve_checked):
    """Two one-hour visits that must both start within the same 100 s: only one fits."""
    jobs = [{"id": i, "location_index": 1, "service": 3600, "time_windows": [[1000, 1100]]} for i in (1, 2)]
    sol = solve_checked(problem([0, 100], jobs=jobs))
    assert list(unassigned(sol).values()) == [NOT_ENOUGH_TIME]


def test_reason_ride_time_shorter_than_direct_drive(solve_checked):
    """A 10-minute ride limit over a 20-minute drive can never be kept."""
    sol = solve_checked(problem([0, 100, 1300], shipments=[
        {"pickup": {"id": 1, "location_index": 1}, "delivery": {"id": 1, "location_index": 2},
         "max_ride_time": 600}]))
    assert all("max_ride_time 10 min" in r for r in unassigned(sol).values())


def test_no_vehicle_leaves_everything_unassigned(solve_checked):
    """Without vehicles every task is listed with a reason and the summary is empty."""
    sol = solve_checked(problem([0, 100], jobs=[{"id": 1, "location_index": 1}], vehicles=[]))
    assert sol["summary"]["routes"] == 0 and sol["summary"]["unassigned"] == 1


def test_format_week_time():
    """Week seconds read as weekday and clock time, Monday 00:00 = 0."""
    assert format_week_time(118800) == "Tue 9:00"
    assert format_week_time(0) == "Mon 0:00"
    assert format_week_time(7 * DAY + 3600 + 300) == "Mon 1:05 +1w"
