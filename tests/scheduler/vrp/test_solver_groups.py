"""Delivery groups (``delivery_group``): an errand from several shops is one visit at the door.

Shipments of one group are served together or not at all, on one vehicle,
their deliveries one after another at the door with nothing (not even a
break) between. Every solution is checked by the independent validator
(`solve_checked`), which checks the group rule on its own.
"""

from __future__ import annotations

import copy

import pytest

from scheduler.vrp.construct import NodeTable, insertion_plan
from scheduler.vrp.model import node_layout
from scheduler.vrp.ortools_model import open_model
from scheduler.vrp.precheck import door_windows, prepare
from scheduler.vrp.problem import ProblemError, parse_problem
from tests.scheduler.vrp.test_solver import route_ids

H = 3600
#: shop A (also van 1's depot), shop B (also van 2's depot), the home H
#: A–B 2000 s, A–H 500 s, B–H 500 s
TRIANGLE = [[0, 2000, 500], [2000, 0, 500], [500, 500, 0]]


def two_shop_errand(*, group: bool = True, capacity=(4, 4), amounts=(1, 1)) -> dict:
    """Return a two-shop errand: pickup 1 at A, pickup 2 at B, both delivered at H (door 300 s + 60 s)."""
    shipments = []
    for i, shop in ((1, 0), (2, 1)):
        shipment = {"pickup": {"id": i, "location_index": shop, "service": 60},
                    "delivery": {"id": i, "location_index": 2, "service": 300 if i == 1 else 60},
                    "amount": [amounts[i - 1]]}
        if group:
            shipment["delivery_group"] = "request:7"
        shipments.append(shipment)
    vehicles = [{"id": k + 1, "start_index": k, "end_index": k, "capacity": [capacity[k]]} for k in (0, 1)]
    return {"vehicles": vehicles, "shipments": shipments, "matrices": {"car": {"durations": TRIANGLE}}}


def deliveries_in_one_visit(solution) -> bool:
    """Return whether both deliveries are on one route, one right after the other."""
    for route in solution["routes"]:
        kinds = [(s["type"], s.get("id")) for s in route["steps"]]
        if ("delivery", 1) in kinds:
            return abs(kinds.index(("delivery", 1)) - kinds.index(("delivery", 2))) == 1
    return False


def codes(solution) -> dict[tuple[str, int], str]:
    """Return {(type, id): code} of the unassigned tasks."""
    return {(u["type"], u["id"]): u["code"] for u in solution["unassigned"]}


def test_without_the_group_the_door_is_visited_twice(solve_checked):
    """The issue: without the rule the cheapest plans bring the shops' goods on separate visits.

    Van 1 from A: A → H → B → H → A = 500 + 500 + 500 + 500 = 2000 s, the
    same as the two vans each serving their own shop (1000 + 1000); both
    visit the door twice, where one visit (A → B → H → A) costs 3000 s.
    """
    sol = solve_checked(two_shop_errand(group=False), first_solution="PARALLEL_CHEAPEST_INSERTION")
    assert sol["summary"]["cost"] == 2000
    assert not deliveries_in_one_visit(sol)


@pytest.mark.parametrize("first", ["AUTO", "PARALLEL_CHEAPEST_INSERTION", "COMMITMENTS_FIRST_INSERTION"])
def test_two_shop_errand_is_one_visit_at_the_door(first, solve_checked):
    """With the group, one van fetches both shops' goods and delivers them in one visit (3000 s)."""
    sol = solve_checked(two_shop_errand(), first_solution=first)
    assert sol["unassigned"] == []
    assert len(sol["routes"]) == 1 and sol["summary"]["cost"] == 3000
    ids = route_ids(sol)
    assert ids[2:] == [("delivery", 1), ("delivery", 2)]  # the listed order, at once
    door = [s for s in sol["routes"][0]["steps"] if s["type"] == "delivery"]
    # the second delivery starts as the first ends: no waiting, no pause
    assert door[1]["arrival"] + door[1]["waiting_time"] == door[0]["arrival"] + door[0]["waiting_time"] + 300


def test_group_too_large_together_is_left_out_with_capacity(solve_checked):
    """3 + 2 boxes fit each van alone (4) but not together (5): the whole group is out, code capacity."""
    sol = solve_checked(two_shop_errand(amounts=(3, 2)))
    assert sol["routes"] == []
    assert codes(sol) == {(kind, i): "capacity" for kind in ("pickup", "delivery") for i in (1, 2)}
    assert "together" in sol["unassigned"][0]["reason"]


def test_member_impossible_alone_takes_the_group_out(solve_checked):
    """Shipment 2 needs skill 5 that no van has: shipment 1, servable alone, is left out too."""
    p = two_shop_errand()
    p["shipments"][1]["skills"] = [5]
    sol = solve_checked(p)
    assert sol["routes"] == []
    assert codes(sol) == {(kind, i): "skill" for kind in ("pickup", "delivery") for i in (1, 2)}
    reasons = {(u["type"], u["id"]): u["reason"] for u in sol["unassigned"]}
    assert "pickup 2" in reasons[("pickup", 1)]


def test_windows_that_cannot_follow_each_other_give_code_group(solve_checked):
    """Delivery 1 (300 s) must start at 10:00, delivery 2 at 10:00 too: they cannot both be at once."""
    p = two_shop_errand()
    for s in p["shipments"]:
        s["delivery"]["time_windows"] = [[10 * H, 10 * H]]
    sol = solve_checked(p)
    assert set(codes(sol).values()) == {"group"} and len(sol["unassigned"]) == 4


def test_door_windows_shift_each_delivery_by_the_ones_before():
    """The first delivery may start when every later one starts inside its own window."""
    # 300 s then 60 s; both 10:00–10:30: the first must start by 10:25
    both = [([(10 * H, 10 * H + 1800)], 300), ([(10 * H, 10 * H + 1800)], 60)]
    assert door_windows(both) == [(10 * H, 10 * H + 1500)]
    assert door_windows([([], 300), ([], 60)]) == []
    assert door_windows([([(0, 10)], 300), ([(0, 10)], 60)]) is None


def test_lunch_never_falls_between_the_deliveries(solve_checked):
    """A lunch that could start right after delivery 1 must wait until delivery 2 is made.

    Door 10:00–10:06 for both: delivery 1 (300 s) starts by 10:01, delivery 2
    at once after it; the 30-min lunch may start 10:05–10:30, so it comes
    after the door visit (the validator would catch a lunch between).
    """
    p = two_shop_errand()
    for s in p["shipments"]:
        s["delivery"]["time_windows"] = [[10 * H, 10 * H + 360]]
    for v in p["vehicles"]:
        v["time_window"] = [8 * H, 17 * H]
        v["breaks"] = [{"id": 1, "service": 1800, "time_windows": [[10 * H + 300, 10 * H + 1800]]}]
    sol = solve_checked(p)
    assert sol["unassigned"] == [] and deliveries_in_one_visit(sol)


def test_other_tasks_at_the_same_door_do_not_come_between(solve_checked):
    """A job at the same house (a home visit) is served before or after the errand, not between its deliveries."""
    p = two_shop_errand()
    p["jobs"] = [{"id": 1, "location_index": 2, "service": 600}]
    sol = solve_checked(p)
    assert sol["unassigned"] == [] and deliveries_in_one_visit(sol)


def test_construction_places_the_group_as_one_unit():
    """The commitments-first insertion plan itself puts both pickups, then the two deliveries in a row."""
    model = prepare(parse_problem(two_shop_errand()))
    nodes = node_layout(model)
    om = open_model(model, nodes, 0)
    table = NodeTable(task=nodes.task, windows=nodes.windows, allowed=nodes.allowed, on_site=nodes.on_site,
                      starts=nodes.starts, ends=nodes.ends)
    plan = insertion_plan(model, table, om.travel)
    (route,) = [r for r in plan.routes if r]
    kinds = [model.tasks[nodes.task[n]].kind for n in route]
    assert kinds == ["pickup", "pickup", "delivery", "delivery"]
    begins = plan.begins[plan.routes.index(route)]
    assert begins[3] == begins[2] + 300


def test_constructed_week_with_groups_is_valid_and_read_back(solve_checked):
    """Several groups among other errands and lunches: the constructed plan is valid and OR-Tools accepts it.

    Six two-shop errands and four one-shop errands on two vans with a lunch; the
    search starts from the insertion plan (stopped at its solution limit, not
    handed back as constructed because OR-Tools refused it).
    """
    n_loc = 1 + 6 * 3 + 4 * 2
    positions = [(i * 137) % 900 for i in range(n_loc)]
    durations = [[abs(a - b) + (60 if a != b else 0) for b in positions] for a in positions]
    vehicles = [{"id": k, "start_index": 0, "end_index": 0, "capacity": [6], "time_window": [8 * H, 17 * H],
                 "breaks": [{"id": 1, "service": H, "time_windows": [[11 * H + 1800, 12 * H + 1800]]}]}
                for k in (1, 2)]
    shipments, loc, sid = [], 1, 1
    for e in range(10):
        shops = 2 if e < 6 else 1
        home = loc + shops
        for part in range(shops):
            shipment = {"pickup": {"id": sid, "location_index": loc + part, "service": 120},
                        "delivery": {"id": sid, "location_index": home, "service": 300 if part == 0 else 60,
                                     "time_windows": [[(9 + e % 6) * H, (11 + e % 6) * H]]},
                        "amount": [1 + part], "priority": 100 if e % 3 == 0 else 20}
            if shops > 1:
                shipment["delivery_group"] = f"request:{e}"
            shipments.append(shipment)
            sid += 1
        loc = home + 1
    p = {"vehicles": vehicles, "shipments": shipments, "matrices": {"car": {"durations": durations}}}
    sol = solve_checked(copy.deepcopy(p), first_solution="COMMITMENTS_FIRST_INSERTION", solution_limit=5)
    assert sol["summary"]["search"]["stopped"] == "solution_limit"
    assert sol["summary"]["unassigned"] == 0


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p["shipments"][1]["delivery"].update(location_index=1),
     "shipments[1].delivery_group: group 'request:7' delivers at location_index 2"),
    (lambda p: p["shipments"][0].update(delivery_group=7), "shipments[0].delivery_group: expected a non-empty string"),
    (lambda p: p["shipments"][0].update(delivery_group=""), "shipments[0].delivery_group: expected a non-empty string"),
])
def test_bad_delivery_group_is_rejected_naming_the_field(change, message):
    """A group's deliveries must share one door, and a group name is a non-empty string."""
    p = two_shop_errand()
    change(p)
    with pytest.raises(ProblemError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_problem(p)
