"""A re-plan never loses what operators did while it solved; `odekake check` stays quiet after normal use.

The race of issue 21, replayed deterministically: `plan_week(on_compiled=...)` runs
the operator's actions from a second connection after the week is compiled and
before the solved plan is stored, exactly the window a planning job leaves open.
"""

from __future__ import annotations

import dataclasses

from scheduler.booking import book, cancel_booking, find_offers, parse_draft
from scheduler.domain import RequestKind, RequestStatus
from scheduler.planning import plan_week, publish
from scheduler.store import Store
from scheduler.store.check import check_database
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    LineMatrix,
    request,
    store_world,
)


def _visit(resident: int = 1, **kw) -> dict:
    data = {"resident": resident, "kind": "visit", "services": ["mynumber_application"],
            "earliest": TUE.isoformat(), "latest": TUE.isoformat()}
    data.update(kw)
    return data


def _book(store, net, resident: int = 1):
    draft = parse_draft(store, _visit(resident), today=NOW.date())
    return book(store, net, draft, find_offers(store, net, draft, now=NOW).offers[0], user="op", now=NOW)


def _listed(plan, request_id: int) -> str:
    if any(s.request_id == request_id for s in plan.stops):
        return "route"
    return "unassigned" if any(u.request_id == request_id for u in plan.unassigned) else "missing"


def test_a_booking_and_a_cancellation_made_while_the_week_is_solved_are_in_the_stored_version(tmp_path):
    """Booked between compile and store: on a route of the re-plan and of what is published; cancelled: off it."""
    path = tmp_path / "odekake.db"
    net = LineMatrix()
    with Store.open(path) as store:
        store_world(store)
        store.add_request(dataclasses.replace(request(None, RequestKind.VISIT, {"services": ["seal_certificate"]},
                                                      resident_id=2), id=None), user="t")
        first = plan_week(store, net, WEEK, params=PARAMS, now=NOW)
        publish(store, first.plan.id, user="dispatcher")
        doomed = _book(store, net, resident=2)
        told: dict[str, int] = {}

        def operator_meanwhile(_compiled) -> None:
            with Store.open(path) as other:  # another operator, another connection
                told["booked"] = _book(other, net).request.id
                cancel_booking(other, net, doomed.request.id, reason="入院のため", user="op", now=NOW)

        replanned = plan_week(store, net, WEEK, params=PARAMS, now=NOW, on_compiled=operator_meanwhile)
        plan = replanned.plan
        assert plan.version == store.plans.get(WEEK).version  # it is the latest
        assert _listed(plan, told["booked"]) == "route"
        assert _listed(plan, doomed.request.id) == "missing"
        assert plan.summary["taken_in"] == {"added": 1, "removed": 1, "routes": plan.summary["taken_in"]["routes"]}
        assert store.requests.get(told["booked"]).status == RequestStatus.PLANNED
        published = publish(store, plan.id, user="dispatcher")
        assert _listed(store.plans.published(WEEK), told["booked"]) == "route" == _listed(published, told["booked"])
        assert check_database(store.db) == []


def test_nothing_changed_meanwhile_stores_the_solved_plan_as_it_is(store):
    """Without changes the stored version is the solver's plan: no insertion, no `taken_in`."""
    store_world(store)
    _book(store, LineMatrix())
    result = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert "taken_in" not in result.plan.summary
    assert check_database(store.db) == []


def test_check_is_quiet_after_bookings_cancellations_and_derived_versions(store):
    """Bookings and cancellations into a published week and into a draft leave no problem for `odekake check`."""
    store_world(store)
    net = LineMatrix()
    store.add_request(dataclasses.replace(request(None, RequestKind.VISIT, {"services": ["seal_certificate"]},
                                                  resident_id=2), id=None), user="t")
    publish(store, plan_week(store, net, WEEK, params=PARAMS, now=NOW).plan.id, user="d")
    one = _book(store, net)
    assert check_database(store.db) == []
    cancel_booking(store, net, one.request.id, reason="不要", user="op", now=NOW)
    assert check_database(store.db) == []
    plan_week(store, net, WEEK, params=PARAMS, now=NOW)  # a draft
    two = _book(store, net, resident=2)
    assert two.plan.summary["unassigned"] == len(two.plan.unassigned)
    assert two.plan.summary["requests"] == two.plan.summary["served"] + two.plan.summary["unassigned"]
    assert check_database(store.db) == []


def test_check_catches_a_lost_booking(store):
    """A planned booking that the latest version of its week neither routes nor lists is one line of the check."""
    store_world(store)
    net = LineMatrix()
    first = plan_week(store, net, WEEK, params=PARAMS, now=NOW).plan
    booked = _book(store, net)
    stale = store.plans.save(first)  # a version stored without it, as the old re-plan race did
    problems = check_database(store.db)
    assert problems == [(f"request {booked.request.id}: planned, but the latest version of its week "
                        f"({WEEK.isoformat()} v{stale.version}) has it neither on a route nor in its unassigned list")]
