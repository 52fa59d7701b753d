"""An urgent same-day request (issue 26): offers for today on the live state, and confirming one.

The sample week of 2026-11-30 published; the crews report the Tuesday stops
they reached by 11:00 (vehicle 1 ten minutes late). An operator takes a call
at 11:00 for a home visit today.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from routing.network import RoadNetwork
from scheduler.booking import book, find_offers, parse_draft
from scheduler.booking.readback import waited_stop
from scheduler.domain import DAY_S, RequestStatus
from scheduler.live.day import live_day
from scheduler.store import Store
from scheduler.store.check import check_database

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)
ELEVEN = dt.datetime.combine(DAY, dt.time(11))


@pytest.fixture
def instance(published_sample_week, tmp_path):
    folder = tmp_path / "instance"
    shutil.copytree(published_sample_week, folder)
    return folder


@pytest.fixture
def store(instance):
    with Store.for_instance(instance) as s:
        yield s


@pytest.fixture
def network(instance):
    return RoadNetwork.from_instance(instance)


def report_morning(store: Store, late_s: dict[int, int]) -> None:
    """Report every Tuesday stop the crews reached by 11:00 (arrived; done when over by then)."""
    def at(s: int) -> dt.datetime:
        return dt.datetime.combine(DAY, dt.time()) + dt.timedelta(seconds=s % DAY_S)

    for vday in live_day(store, DAY, dt.datetime.combine(DAY, dt.time(6))).vehicles:
        late = late_s.get(vday.vehicle_id, 0)
        for step in vday.steps:
            stop = step.stop
            if stop.request_id is None:
                continue
            if stop.arrival_s % DAY_S + late > 11 * 3600:
                break
            store.mark_stop(stop.id, "arrived", user="driver", at=at(stop.arrival_s + late), now=ELEVEN)
            if stop.departure_s % DAY_S + late > 11 * 3600:
                break
            store.mark_stop(stop.id, "done", user="driver", at=at(stop.departure_s + late), now=ELEVEN)


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
    report_morning(store, {1: 600})
    result = find_offers(store, network, _urgent_visit(store), now=ELEVEN)
    today = [o for o in result.offers if o.day == DAY]
    assert today, result.to_dict()
    for offer in today:
        assert offer.start_s >= 11 * 3600 and offer.expected_s >= 11 * 3600
        assert offer.start_s <= offer.expected_s <= offer.end_s


def test_an_urgent_visit_confirmed_for_today_is_on_the_drivers_published_route_and_keeps_commitments(store, network):
    report_morning(store, {1: 600})
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
