"""A dispatcher moves a request to another vehicle or day (scheduler.planning.moves)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from routing.network import RoadNetwork
from scheduler.domain import DAY_S, PlanStatus, week_seconds
from scheduler.planning.moves import move_request
from scheduler.store import Store

WEEK = dt.date(2026, 11, 30)
BEFORE = dt.datetime(2026, 11, 27, 9, 0)  # the Friday before the week


@pytest.fixture
def world(published_sample_week, tmp_path):
    folder = tmp_path / "instance"
    shutil.copytree(published_sample_week, folder)
    with Store.for_instance(folder) as store:
        yield store, RoadNetwork.from_instance(folder)


def _visits(plan):
    return [s for s in plan.stops if s.step_type == "visit" and s.request_id is not None]


def _first_move_that_fits(store, network):
    plan = store.plans.published(WEEK)
    vehicles = sorted({s.vehicle_id for s in plan.stops})
    for stop in _visits(plan):
        for other in vehicles:
            if other == stop.vehicle_id:
                continue
            move = move_request(store, network, stop.request_id, other, stop.day, user="d", now=BEFORE)
            if move.ok:
                return stop, other, move
    pytest.fail("no visit of the sample week fits on another van the same day")


def test_a_preview_gives_the_new_times_inside_the_windows_and_saves_nothing(world):
    store, network = world
    versions = len(store.plans.versions())
    stop, _other, move = _first_move_that_fits(store, network)
    assert move.times and all(kind == "visit" for kind, _ in move.times)
    req = store.requests.get(stop.request_id)
    start = move.times[0][1]
    if req.promised is not None:
        assert req.promised.start_s <= start <= req.promised.end_s
    assert len(store.plans.versions()) == versions  # nothing saved
    assert all(len(b) == 5 for b in move.breaks)


def test_a_saved_move_is_a_validated_draft_version_with_the_request_on_the_new_van(world):
    store, network = world
    stop, other, _ = _first_move_that_fits(store, network)
    move = move_request(store, network, stop.request_id, other, stop.day, user="d", now=BEFORE, save=True)
    assert move.ok and move.plan.id is not None and move.plan.status == PlanStatus.DRAFT
    saved = store.plans.get(WEEK, move.plan.version)
    on = [s for s in saved.stops if s.request_id == stop.request_id]
    assert [(s.vehicle_id, s.day) for s in on] == [(other, stop.day)]
    assert saved.summary["change"]["kind"] == "move"
    assert store.plans.published(WEEK).id != saved.id  # the drivers keep the published version


def test_refusals_name_their_reason_and_save_nothing(world):
    store, network = world
    plan = store.plans.published(WEEK)
    versions = len(store.plans.versions())
    stop = _visits(plan)[0]
    saturday = WEEK + dt.timedelta(days=5)
    assert move_request(store, network, stop.request_id, stop.vehicle_id, saturday, user="d",
                        now=BEFORE, save=True).codes == ["no_shift"]
    # the day has begun: a move on a day under way is re-planning the rest of the day
    on_day = dt.datetime.combine(stop.day, dt.time(8))
    assert move_request(store, network, stop.request_id, stop.vehicle_id, stop.day, user="d",
                        now=on_day, save=True).codes == ["day_begun"]
    # a promised visit moved to a day outside its promise
    promised = next((s for s in _visits(plan) if store.requests.get(s.request_id).promised is not None), None)
    if promised is not None:
        other_day = next(WEEK + dt.timedelta(days=d) for d in range(5) if WEEK + dt.timedelta(days=d) != promised.day)
        codes = move_request(store, network, promised.request_id, promised.vehicle_id, other_day, user="d",
                             now=BEFORE, save=True).codes
        assert codes == ["outside_windows"]
    # the crew already reported at it
    at = dt.datetime.combine(stop.day, dt.time()) + dt.timedelta(seconds=stop.arrival_s % DAY_S)
    store.mark_stop(stop.id, "arrived", user="driver", at=at, now=at)
    assert move_request(store, network, stop.request_id, stop.vehicle_id, stop.day, user="d",
                        now=BEFORE, save=True).codes == ["already_reported"]
    assert len(store.plans.versions()) == versions
    assert week_seconds(WEEK, stop.day, 0) >= 0
