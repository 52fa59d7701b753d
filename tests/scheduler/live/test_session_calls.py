"""A hall session on a call list names each resident booked into it that day (session_bookings), not nobody."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.domain import DAY_S, SessionBooking
from scheduler.live.calls import call_list
from scheduler.live.day import live_day
from scheduler.planning.replan_calls import replan_calls

WEEK = dt.date(2026, 11, 30)
LATE = dt.timedelta(hours=2)


@pytest.fixture
def store(published_store):
    return published_store


def _at(day: dt.date, week_s: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=week_s % DAY_S)


def _session_after_a_stop(plan):
    """A session stop of the published week with a resident's stop before it on its route, and that stop."""
    for session in sorted((s for s in plan.stops if s.step_type == "session"), key=lambda s: (s.day, s.seq)):
        before = [s for s in plan.stops if (s.vehicle_id, s.day) == (session.vehicle_id, session.day)
                  and s.seq < session.seq and s.request_id is not None and s.step_type != "session"]
        if before:
            return session, max(before, key=lambda s: s.seq)
    pytest.fail("no hall session follows another stop in the sample week")


def _book(store, session, residents):
    """Book residents[0] and [1] into the session on its day, [2] on another day, and [3] then cancel the seat."""
    a, b, other_day, cancelled = residents
    for resident in (a, b):
        store.session_bookings.add(SessionBooking(session.request_id, resident.id, session.day))
    store.session_bookings.add(SessionBooking(session.request_id, other_day.id, session.day + dt.timedelta(days=7)))
    seat = store.session_bookings.add(SessionBooking(session.request_id, cancelled.id, session.day))
    store.session_bookings.update(dataclasses.replace(seat, cancelled_at=dt.datetime(2026, 11, 27, 9),
                                                      cancel_reason="体調不良", cancelled_by="test"))
    return (a.id, b.id)


def test_a_late_hall_session_is_a_call_to_each_resident_booked_that_day(store):
    """The van two hours late before a hall session: its call names the two residents booked into it that day
    (not one booked another day, not a cancelled seat); a resident's own stop names that resident."""
    plan = store.plans.published(WEEK)
    session, before = _session_after_a_stop(plan)
    booked = _book(store, session, store.residents.all()[:4])
    day = session.day
    store.mark_stop(before.id, "arrived", user="driver1", at=_at(day, before.arrival_s) + LATE,
                    now=_at(day, before.arrival_s) + LATE)
    now = _at(day, before.departure_s) + LATE
    store.mark_stop(before.id, "done", user="driver1", at=now, now=now)
    calls = {c.request_id: c for c in call_list(live_day(store, day, now))}
    assert session.request_id in calls, "two hours late left the session's told window"
    assert calls[session.request_id].residents == booked
    for call in calls.values():
        if call.step.stop.resident_id is not None:
            assert call.residents == (call.step.stop.resident_id,)


def test_a_hall_session_a_re_plan_drops_is_a_call_to_each_resident_booked_that_day(store):
    """A version without the session: the re-plan's call for it is 'dropped' and names the booked residents."""
    plan = store.plans.published(WEEK)
    session, _ = _session_after_a_stop(plan)
    booked = _book(store, session, store.residents.all()[:4])
    new = dataclasses.replace(plan, stops=[s for s in plan.stops if s.request_id != session.request_id])
    calls = {c.request_id: c for c in replan_calls(store, plan, new, session.day)}
    assert calls[session.request_id].reason == "dropped"
    assert calls[session.request_id].residents == booked
