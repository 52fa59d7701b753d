"""An urgent same-day request (issue 26): offers for today on the live state, and confirming one.

The sample week of 2026-11-30 published; the crews report the Tuesday stops
they reached by 11:00 (vehicle 1 ten minutes late). An operator takes a call
at 11:00 for a home visit today.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from routing.network import RoadNetwork
from scheduler.booking import book, find_offers, parse_draft
from scheduler.booking.offers import DRAFT_ID
from scheduler.booking.readback import waited_stop
from scheduler.booking.today import live_routes
from scheduler.domain import DAY_S, RequestStatus, TimeWindow
from scheduler.live.day import live_day
from scheduler.store import Store
from scheduler.store.check import check_database
from scheduler.vrp.validator import validate
from tests.scheduler.planning.test_replan_day import report_morning

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)
ELEVEN = dt.datetime.combine(DAY, dt.time(11))


@pytest.fixture
def store(published_store):
    return published_store


@pytest.fixture
def network(published_copy):
    return RoadNetwork.from_instance(published_copy)


def _urgent_visit(store: Store):
    return parse_draft(store, {"resident": 1, "kind": "visit", "services": ["mynumber_application"],
                               "earliest": DAY.isoformat(), "latest": DAY.isoformat()}, today=DAY)


def _commitments_kept(store: Store, plan) -> dict[int, bool]:
    """Return, per promised request of Tuesday, whether the plan serves it inside its promise."""
    out = {}
    for req in store.requests.find(statuses=(RequestStatus.PLANNED, RequestStatus.BOOKED, RequestStatus.DISPATCHED)):
        if req.promised is None or req.promised.day != DAY:
            continue
        stop = waited_stop(req, [s for s in plan.stops if s.request_id == req.id])
        out[req.id] = stop is not None and stop.day == DAY and (
            req.promised.start_s <= stop.start_s % DAY_S <= req.promised.end_s)
    return out


def test_offers_for_today_start_after_now_and_keep_every_commitment(store, network):
    report_morning(store, late_s={1: 600})
    result = find_offers(store, network, _urgent_visit(store), now=ELEVEN)
    today = [o for o in result.offers if o.day == DAY]
    assert today, result.to_dict()
    for offer in today:
        assert offer.start_s >= 11 * 3600 and offer.expected_s >= 11 * 3600
        assert offer.start_s <= offer.expected_s <= offer.end_s
    # each of them, inserted into the live routes, keeps every commitment they served, each in its window
    draft = _urgent_visit(store)
    lr = live_routes(store, network, DAY, now=ELEVEN,
                     extra=[draft.request(windows=[TimeWindow(DAY, 11 * 3600, DAY_S)], now=ELEVEN, id=DRAFT_ID)])
    problem = lr.live.day_problem.problem
    commitments = {t["id"] for t in problem["jobs"] if t.get("priority") == 100}
    commitments |= {s["pickup"]["id"] for s in problem["shipments"] if s.get("priority") == 100}
    served_before = commitments & _served(lr.routes.solution())
    tasks = lr.task_ids(DRAFT_ID)
    for offer in today:
        found = lr.insert(tasks, {t: lr.window(DAY, offer.start_s, offer.end_s) for t in tasks})
        assert found is not None and lr.vehicle_id(found.vehicle) == offer.vehicle_id
        trial = copy.deepcopy(lr.routes)
        trial.apply(found)
        solution = trial.solution()
        assert validate(problem, solution) == []
        assert served_before <= _served(solution)


def _served(solution: dict) -> set[int]:
    return {step["id"] for route in solution["routes"] for step in route["steps"] if "id" in step
            and step["type"] != "break"}


def test_an_urgent_visit_confirmed_for_today_is_on_the_drivers_published_route_and_keeps_commitments(store, network):
    report_morning(store, late_s={1: 600})
    published = store.plans.published(WEEK)
    before = _commitments_kept(store, published)
    frozen = {(s.vehicle_id, s.seq): (s.request_id, s.start_s) for s in published.stops if s.day == DAY
              and s.start_s % DAY_S < 11 * 3600 and s.request_id is not None}
    draft = _urgent_visit(store)
    offer = next(o for o in find_offers(store, network, draft, now=ELEVEN).offers if o.day == DAY)
    booking = book(store, network, draft, offer, user="operator", now=ELEVEN)
    assert booking.request.status == RequestStatus.PLANNED
    assert booking.request.promised == offer.window
    # the version the crews run now holds it: published at once, derived from the published one
    now_published = store.plans.published(WEEK)
    assert now_published.id == booking.plan.id and booking.plan.summary["derived_from"] == published.version
    stops = [s for s in now_published.stops if s.request_id == booking.request.id]
    assert [(s.vehicle_id, s.day) for s in stops] == [(offer.vehicle_id, DAY)]
    assert offer.start_s <= stops[0].start_s % DAY_S <= offer.end_s
    assert stops[0].start_s % DAY_S >= 11 * 3600
    # the driver's live day lists it among the stops still to come
    van = next(v for v in live_day(store, DAY, ELEVEN).vehicles if v.vehicle_id == offer.vehicle_id)
    assert booking.request.id in {s.stop.request_id for s in van.steps}
    # what was done before 11:00 is as it was; every commitment kept before is still kept
    after = {(s.vehicle_id, s.seq): (s.request_id, s.start_s) for s in now_published.stops if s.day == DAY}
    assert all(after.get(key) == value for key, value in frozen.items())
    kept = _commitments_kept(store, now_published)
    assert all(kept[rid] for rid, ok in before.items() if ok)
    assert check_database(store.db) == []
