"""Tests of scheduler.vrp.validation.plan_checks: each part of a delivery group's rule broken by hand is named."""

from __future__ import annotations

import copy

import pytest

from scheduler.vrp.validator import validate


def _group_solution(solve_checked):
    """Return a two-shop errand (one delivery group) and the solver's valid one-visit solution."""
    from tests.scheduler.vrp.test_solver_groups import two_shop_errand

    problem = two_shop_errand()
    return problem, solve_checked(copy.deepcopy(problem))


def _drop_shipment_2(problem, sol):
    route = sol["routes"][0]
    route["steps"] = [s for s in route["steps"] if s.get("id") != 2 or s["type"] not in ("pickup", "delivery")]
    sol["unassigned"] += [{"id": 2, "type": kind} for kind in ("pickup", "delivery")]


def _shipment_2_on_van_2(problem, sol):
    moved = [s for s in sol["routes"][0]["steps"] if s.get("id") == 2 and s["type"] in ("pickup", "delivery")]
    _drop_shipment_2(problem, sol)
    sol["unassigned"] = [u for u in sol["unassigned"] if u["id"] != 2]
    ends = [{"type": "start", "location_index": 1, "arrival": 0, "duration": 0, "setup": 0, "service": 0,
             "waiting_time": 0, "load": [0], "distance": 0}]
    sol["routes"].append({"vehicle": 2, "steps": ends + moved + [dict(ends[0], type="end")]})


def _pickup_between(problem, sol):
    route = sol["routes"][0]["steps"]
    kinds = [(s["type"], s.get("id")) for s in route]
    pickup = route.pop(kinds.index(("pickup", 1)))
    route.insert([(s["type"], s.get("id")) for s in route].index(("delivery", 2)), pickup)


def _break_between(problem, sol):
    problem["vehicles"][0]["breaks"] = [{"id": 1, "service": 0}]
    route = sol["routes"][0]["steps"]
    at = [(s["type"], s.get("id")) for s in route].index(("delivery", 2))
    route.insert(at, dict(route[at], type="break", id=1, service=0, waiting_time=0))


def _not_one_door(problem, sol):
    problem["shipments"][1]["delivery"]["location_index"] = 0


@pytest.mark.parametrize(("change", "message"), [
    (_drop_shipment_2, "delivery group 'request:7': deliveries [2] are not routed but the rest of the group is"),
    (_shipment_2_on_van_2, "delivery group 'request:7': deliveries on several vehicles [1, 2], not in one visit"),
    (_pickup_between, ("delivery group 'request:7': other steps between its deliveries (route vehicle 1 step 3"
                       " (pickup 1)), not one visit")),
    (_break_between, ("delivery group 'request:7': other steps between its deliveries (route vehicle 1 step 4"
                      " (break 1)), not one visit")),
    (_not_one_door, "delivery group 'request:7': deliveries at different locations, not one door"),
])
def test_broken_delivery_group_is_caught(change, message, solve_checked):
    """Each part of the group rule broken by hand (all or none, one vehicle, in a row, one door) is named."""
    problem, sol = _group_solution(solve_checked)
    change(problem, sol)
    assert message in validate(problem, sol)
