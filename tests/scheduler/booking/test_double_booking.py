"""One booking per need: a second booking of the same resident, kind and overlapping window is refused."""

from __future__ import annotations

import dataclasses
import multiprocessing
import shutil

import pytest

from scheduler.booking import AlreadyBooked, SlotTaken, book, find_offers, parse_draft
from scheduler.booking.offers import Offer
from scheduler.domain import RequestStatus
from scheduler.planning import plan_week
from scheduler.store import Store
from scheduler.store.check import check_database
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    LineMatrix,
    store_world,
)

H = 3600


def _draft(store, **kw):
    data = {"resident": 1, "kind": "visit", "services": ["mynumber_application"],
            "earliest": TUE.isoformat(), "latest": TUE.isoformat()}
    data.update(kw)
    return parse_draft(store, data, today=NOW.date())


def test_the_same_booking_twice_is_refused_naming_the_first(store):
    """Booked 10:00–11:00, then 10:30–11:30 for the same resident and kind: refused, nothing stored, first named."""
    store_world(store)
    net = LineMatrix()
    plan_week(store, net, WEEK, params=PARAMS, now=NOW)
    first = book(store, net, _draft(store), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW)
    versions = len(store.plans.versions(WEEK))
    with pytest.raises(AlreadyBooked, match=r"already has this booking") as caught:
        book(store, net, _draft(store), Offer.chosen(TUE, 10 * H + 1800, 11 * H + 1800), user="op", now=NOW)
    assert caught.value.existing.id == first.request.id
    assert len(store.plans.versions(WEEK)) == versions
    assert [r.id for r in store.requests.find(statuses=[RequestStatus.BOOKED, RequestStatus.PLANNED])] == [
        first.request.id]


def test_a_second_need_or_another_time_or_kind_is_booked(store):
    """Not overlapping (13:00), confirmed as a second need, or another resident: each is booked."""
    store_world(store)
    net = LineMatrix()
    plan_week(store, net, WEEK, params=PARAMS, now=NOW)
    book(store, net, _draft(store), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW)
    later = book(store, net, _draft(store), Offer.chosen(TUE, 13 * H, 14 * H), user="op", now=NOW)
    again = book(store, net, _draft(store), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW, second_need=True)
    other = book(store, net, _draft(store, resident=2), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW)
    assert {b.request.status for b in (later, again, other)} == {RequestStatus.PLANNED}
    assert check_database(store.db) == []


def _confirm(path: str, barrier, queue) -> None:
    with Store.open(path) as store:
        draft = _draft(store)
        offer = find_offers(store, LineMatrix(), draft, now=NOW).offers[0]
        barrier.wait()
        try:
            queue.put(("booked", book(store, LineMatrix(), draft, offer, user="op", now=NOW).request.id))
        except AlreadyBooked as exc:
            queue.put(("already", exc.existing.id))
        except SlotTaken:
            queue.put(("taken", None))


@pytest.mark.slow
def test_two_parallel_confirms_of_one_offer_book_it_once_every_time(tmp_path):
    """50 times: two processes confirm the same offer at the same moment; exactly one books, the other is told which."""
    template = tmp_path / "template.db"
    with Store.open(template) as store:
        store_world(store)
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for trial in range(50):
        path = tmp_path / f"trial{trial}.db"
        shutil.copyfile(template, path)
        barrier, queue = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_confirm, args=(str(path), barrier, queue)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        got = sorted(queue.get(timeout=5) for _ in procs)
        with Store.open(path) as store:
            booked = store.requests.find(statuses=[RequestStatus.BOOKED, RequestStatus.PLANNED])
        outcomes.append([kind for kind, _ in got])
        assert [kind for kind, _ in got] == ["already", "booked"], f"trial {trial}: {got}"
        assert got[0][1] == got[1][1] == booked[0].id and len(booked) == 1, f"trial {trial}"
    assert len(outcomes) == 50


def test_a_booking_is_worked_out_outside_the_lock_and_again_under_it_when_the_week_changed(store, monkeypatch):
    """Nothing changed meanwhile: stored as prepared. Another booking landed after the preparation: prepared again.
    Changes after every try: worked out under the lock. Every booking ends in the latest version."""
    from scheduler.booking import confirm

    store_world(store)
    store.residents.add(dataclasses.replace(store.residents.get(2), id=None, phone="", name="架空 三郎"))
    net = LineMatrix()
    plan_week(store, net, WEEK, params=PARAMS, now=NOW)
    locked, prepared = [], []
    real_locked, real_prepare = confirm._book_locked, confirm._prepare
    monkeypatch.setattr(confirm, "_book_locked", lambda *a, **k: locked.append(1) or real_locked(*a, **k))
    first = book(store, net, _draft(store), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW)
    assert locked == [] and first.request.status == RequestStatus.PLANNED
    others = iter([(2, 14), (3, 15), (2, 16), (3, 9)])

    def prepare_then_someone_books(changes: int):
        def prepare(*args, **kwargs):
            ready = real_prepare(*args, **kwargs)
            prepared.append(1)
            if len(prepared) <= changes:
                resident, hour = next(others)
                monkeypatch.setattr(confirm, "_prepare", real_prepare)
                book(store, net, _draft(store, resident=resident), Offer.chosen(TUE, hour * H, (hour + 1) * H),
                     user="op2", now=NOW, second_need=True)
                monkeypatch.setattr(confirm, "_prepare", prepare)
            return ready
        return prepare

    monkeypatch.setattr(confirm, "_prepare", prepare_then_someone_books(1))
    second = book(store, net, _draft(store), Offer.chosen(TUE, 13 * H, 14 * H), user="op", now=NOW)
    assert (len(prepared), locked) == (2, [])
    prepared.clear()
    monkeypatch.setattr(confirm, "_prepare", prepare_then_someone_books(3))
    third = book(store, net, _draft(store), Offer.chosen(TUE, 11 * H, 12 * H), user="op", now=NOW,
                 second_need=True)
    assert (len(prepared), locked) == (3, [1])
    latest = store.plans.get(WEEK)
    booked = {r.id for r in store.requests.find(statuses=[RequestStatus.PLANNED, RequestStatus.BOOKED])}
    on_routes = {s.request_id for s in latest.stops}
    assert {first.request.id, second.request.id, third.request.id} <= on_routes and len(booked) == 7
    assert booked <= on_routes | {u.request_id for u in latest.unassigned}
    assert third.plan.version == latest.version
    assert check_database(store.db) == []


def test_a_version_published_while_a_booking_was_prepared_passes_the_booking_to_the_drivers(store, monkeypatch):
    """The draft is published between the booking's preparation and its lock: the booking's version is published too
    (under load every later booking stayed a draft: the drivers' version lacked 21 promises)."""
    from scheduler.booking import confirm
    from scheduler.domain import PlanStatus

    store_world(store)
    net = LineMatrix()
    draft_plan = plan_week(store, net, WEEK, params=PARAMS, now=NOW).plan
    real_prepare = confirm._prepare

    def prepare_then_publish(*args, **kwargs):
        ready = real_prepare(*args, **kwargs)
        store.plans.publish(draft_plan.id, user="dispatcher")
        return ready

    monkeypatch.setattr(confirm, "_prepare", prepare_then_publish)
    booked = book(store, net, _draft(store), Offer.chosen(TUE, 10 * H, 11 * H), user="op", now=NOW)
    assert booked.plan.status == PlanStatus.PUBLISHED
    assert store.plans.published(WEEK).version == booked.plan.version
