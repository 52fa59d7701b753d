"""Hall sessions on a holiday (issue 26): the sample week of 2027-01-11 starts with 成人の日.

The sample's weekly Monday session (SAMPLE-Q-S01, at the first hall) falls on the
holiday. Its rule moves it to Tuesday 2027-01-12 (the default) or cancels it; the
residents booked into the Monday keep their seat on the Tuesday, or lose it with
the reason, and the request records why (its status does not change: the rule recurs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.domain import (
    DomainError,
    RequestStatus,
    SessionBooking,
    SessionDetails,
    SessionRule,
)
from scheduler.io.sample import load_sample, sample_now
from scheduler.planning import plan_week
from scheduler.planning.holiday_sessions import CANCELLED_SEAT_REASON
from scheduler.store import Store
from scheduler.store.check import check_database
from scheduler.vrp.params import SolveParams

WEEK = dt.date(2027, 1, 11)  # 成人の日
TUESDAY = WEEK + dt.timedelta(days=1)
PARAMS = SolveParams(time_limit_s=60, solution_limit=1)


def _sample_week(network, *, on_holiday: str = "move", scale: float = 1.0):
    """Return the sample week in memory, its Monday session's rule set, one resident booked on the holiday."""
    store = Store.open(":memory:")
    load_sample(store, network, WEEK, scale=scale)
    session = store.requests.by_external_id("SAMPLE-Q-S01")
    assert session.details.rule.occurs_on(WEEK)  # the weekly Monday session
    store.requests.update(dataclasses.replace(session, details=dataclasses.replace(session.details,
                                                                                  on_holiday=on_holiday)))
    resident = store.residents.all()[0]
    seat = store.session_bookings.add(SessionBooking(session.id, resident.id, WEEK, ("consultation",)))
    return store, session, seat


@pytest.fixture(scope="module")
def moved(sample_network):
    """The full sample week planned with the default rule (move)."""
    store, session, seat = _sample_week(sample_network)
    result = plan_week(store, sample_network, WEEK, params=PARAMS, now=sample_now(WEEK))
    yield store, session, seat, result
    store.close()


def test_the_holiday_session_is_served_on_the_next_service_day(moved):
    """No session is left unassigned for the holiday; the Monday one is on a Tuesday route."""
    store, session, _seat, result = moved
    sessions = {r.id for r in store.requests.all() if r.kind.value == "session"}
    assert not [u for u in result.plan.unassigned if u.request_id in sessions]
    assert not [s for s in result.compiled.skipped if s.code == "no_session_day"]
    days = {s.day for s in result.plan.stops if s.request_id == session.id}
    assert days == {TUESDAY}
    assert store.requests.get(session.id).status == RequestStatus.PLANNED


def test_the_move_is_recorded_with_its_cause_and_in_the_summary(moved):
    """One event moved_for_holiday {from, to, holiday, seats}; the summary lists the move for the board."""
    store, session, _seat, result = moved
    [event] = [e for e in store.request_events.of_request(session.id) if e.cause == "moved_for_holiday"]
    assert event.cause_args == {"from": "2027-01-11", "to": "2027-01-12", "holiday": "成人の日", "seats": 1}
    assert event.from_status == event.to_status  # the rule recurs: its status is not the day's
    [entry] = result.plan.summary["session_moves"]
    assert entry == {"request_id": session.id, "site_id": session.details.site_id, "from": "2027-01-11",
                     "to": "2027-01-12", "holiday": "成人の日", "rule": "move", "seats": 1}


def test_the_booked_resident_keeps_the_seat_on_the_moved_day(moved):
    """The seat booked on the holiday is now on Tuesday, active; the database invariants hold."""
    store, _session, seat, _result = moved
    kept = store.session_bookings.get(seat.id)
    assert kept.day == TUESDAY and not kept.cancelled
    assert check_database(store.db) == []


def test_planning_again_records_the_move_once(moved, sample_network):
    """A second version keeps the move on its summary but records no second event and moves nothing more."""
    store, session, seat, _result = moved
    again = plan_week(store, sample_network, WEEK, params=PARAMS, now=sample_now(WEEK))
    assert len([e for e in store.request_events.of_request(session.id) if e.cause == "moved_for_holiday"]) == 1
    assert [m["to"] for m in again.plan.summary["session_moves"]] == ["2027-01-12"]
    assert store.session_bookings.get(seat.id).day == TUESDAY
    assert check_database(store.db) == []


def test_a_cancel_rule_cancels_the_holiday_session(sample_network):
    """Rule cancel: no stop and no unassigned row for it, the cause recorded, the seat cancelled with the reason."""
    store, session, seat = _sample_week(sample_network, on_holiday="cancel", scale=0.3)
    with store:
        result = plan_week(store, sample_network, WEEK, params=PARAMS, now=sample_now(WEEK))
        assert not [s for s in result.plan.stops if s.request_id == session.id]
        assert session.id not in {u.request_id for u in result.plan.unassigned}
        [event] = [e for e in store.request_events.of_request(session.id) if e.cause == "cancelled_for_holiday"]
        assert event.cause_args == {"day": "2027-01-11", "holiday": "成人の日", "seats": 1}
        assert store.requests.get(session.id).status == RequestStatus.RECEIVED  # next Monday's session stands
        lost = store.session_bookings.get(seat.id)
        assert lost.cancelled and lost.cancel_reason == CANCELLED_SEAT_REASON and lost.day == WEEK
        assert result.plan.summary["session_moves"][0]["to"] is None
        assert check_database(store.db) == []


@pytest.mark.parametrize("value", ["postpone", "", None, "MOVE"])
def test_a_bad_holiday_rule_is_refused_naming_the_field(value):
    """on_holiday takes move or cancel; anything else names details.on_holiday."""
    with pytest.raises(DomainError, match=r"details\.on_holiday"):
        SessionDetails(site_id=1, rule=SessionRule("weekly", 0), on_holiday=value)
