"""Locks (scheduler.locks): stored, refused twice, held as locked steps by replan_day and plan_week, refused by moves."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from routing.errors import InputError
from routing.network import RoadNetwork
from scheduler.locks import (
    Lock,
    LockConflict,
    check_new_lock,
    held_requests,
    lock_of_stop,
)
from scheduler.planning.moves import move_request
from scheduler.planning.replan_day import replan_day
from scheduler.planning.run import plan_week
from scheduler.store import NotFound, Store
from scheduler.vrp.params import SolveParams
from scheduler.vrp.validator import validate

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)
THURSDAY = WEEK + dt.timedelta(days=3)
BEFORE = dt.datetime(2026, 11, 27, 9, 0)
PARAMS = SolveParams(time_limit_s=60, solution_limit=1)


@pytest.fixture
def world(published_sample_week, tmp_path):
    folder = tmp_path / "instance"
    shutil.copytree(published_sample_week, folder)
    with Store.for_instance(folder) as store:
        yield store, RoadNetwork.from_instance(folder)


def _served(plan, day):
    return [s for s in plan.stops if s.day == day and s.request_id is not None]


def _place(plan):
    return {s.request_id: (s.vehicle_id, s.day) for s in plan.stops if s.request_id is not None}


def test_a_stop_lock_holds_its_request_and_the_same_lock_twice_is_refused(world):
    store, _ = world
    plan = store.plans.published(WEEK)
    stop = _served(plan, DAY)[0]
    lock = store.locks.add(lock_of_stop(store, stop.id, user="dispatcher"))
    assert (lock.kind, lock.request_id, lock.vehicle_id, lock.day) == ("stop", stop.request_id, stop.vehicle_id, DAY)
    assert lock.created_by == "dispatcher" and lock.created_at is not None
    assert store.locks.between(WEEK, WEEK + dt.timedelta(days=6)) == [lock]
    with pytest.raises(LockConflict):
        check_new_lock(store, lock_of_stop(store, stop.id))
    depot = next(s for s in plan.stops if s.request_id is None)
    with pytest.raises(InputError) as bad:
        lock_of_stop(store, depot.id)
    assert bad.value.field == "stop_id"
    with pytest.raises(NotFound):
        lock_of_stop(store, 10**9)
    assert held_requests(store.locks.between(DAY, DAY), plan) == {stop.request_id: (stop.vehicle_id, DAY)}
    store.locks.delete(lock.id)
    assert store.locks.between(DAY, DAY) == []


def test_shift_and_day_locks_hold_what_the_plan_routes_there(world):
    store, _ = world
    plan = store.plans.published(WEEK)
    vid = _served(plan, DAY)[0].vehicle_id
    shift = {s.request_id for s in _served(plan, DAY) if s.vehicle_id == vid}
    held = held_requests([Lock(day=DAY, vehicle_id=vid)], plan)
    assert set(held) == shift and set(held.values()) == {(vid, DAY)}
    whole = held_requests([Lock(day=DAY)], plan)
    assert whole == {s.request_id: (s.vehicle_id, DAY) for s in _served(plan, DAY)}


def test_replan_day_keeps_a_locked_day_on_its_vans(world):
    store, network = world
    published = store.plans.published(WEEK)
    store.locks.add(Lock(day=DAY, created_by="dispatcher"))
    now = dt.datetime.combine(DAY, dt.time(8))
    out = replan_day(store, network, DAY, now=now, user="dispatcher", params=PARAMS)
    assert validate(out.problem, out.solution) == []
    steps = [step for v in out.problem["vehicles"] for step in v.get("steps", ())]
    assert steps and all(step.get("locked") is True for step in steps)
    before, after = _place(published), _place(out.plan)
    for rid in {s.request_id for s in _served(published, DAY)}:
        assert after.get(rid, before[rid]) == before[rid], rid  # on its van, or not served


def test_plan_week_holds_a_locked_shift_of_the_published_week(world):
    store, network = world
    published = store.plans.published(WEEK)
    vid = _served(published, THURSDAY)[0].vehicle_id
    store.locks.add(Lock(day=THURSDAY, vehicle_id=vid))
    seen = {}
    result = plan_week(store, network, WEEK, params=PARAMS, now=BEFORE,
                       on_compiled=lambda c: seen.update(problem=c.problem))
    locked = [v for v in seen["problem"]["vehicles"] if v.get("steps")]
    assert len(locked) == 1 and all(s["locked"] for s in locked[0]["steps"])
    assert result.plan.summary["locked"] == len({s.request_id for s in _served(published, THURSDAY)
                                                 if s.vehicle_id == vid})
    after = _place(result.plan)
    unassigned = {u.request_id for u in result.plan.unassigned}
    for s in _served(published, THURSDAY):
        if s.vehicle_id == vid:
            assert after.get(s.request_id) == (vid, THURSDAY) or s.request_id in unassigned


def test_a_locked_request_is_not_moved(world):
    store, network = world
    plan = store.plans.published(WEEK)
    stop = next(s for s in _served(plan, THURSDAY) if s.step_type == "visit")
    other = next(v for v in sorted({s.vehicle_id for s in plan.stops}) if v != stop.vehicle_id)
    store.locks.add(Lock(day=THURSDAY, vehicle_id=stop.vehicle_id))
    versions = len(store.plans.versions())
    move = move_request(store, network, stop.request_id, other, THURSDAY, user="d", now=BEFORE, save=True)
    assert move.codes == ["locked"] and len(store.plans.versions()) == versions
