"""The live call list's told windows come from the version residents were told, not from a published re-plan."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.network import RoadNetwork
from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.domain import week_seconds
from scheduler.live.calls import call_list
from scheduler.live.day import live_day, told_version
from scheduler.planning import publish
from scheduler.planning.replan_day import Outage, replan_day
from scheduler.vrp.params import SolveParams

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)
ELEVEN = dt.datetime.combine(DAY, dt.time(11))
MARGIN_S = 15 * 60


@pytest.fixture
def store(published_store):
    return published_store



def test_after_publishing_a_re_plan_the_call_list_says_what_v1_told_and_what_v2_expects(store, published_copy):
    """v1 published; vehicle 2 out from 11:00 re-planned as draft v2 (it moves residents); v2 published: each
    moved resident still on the day is called with v1's window and v2's expected time."""
    v1 = store.plans.published(WEEK)
    result = replan_day(store, RoadNetwork.from_instance(published_copy), DAY, now=ELEVEN, user="test",
                        params=SolveParams(time_limit_s=30, solution_limit=1), outages=[Outage(2, ELEVEN)],
                        margin_s=MARGIN_S)
    v2 = result.plan
    moved = [c for c in result.calls if c.reason in ("later", "earlier")]
    assert moved, "the breakdown moves some resident of the Tuesday beyond the margin"
    assert told_version(store, v2).version == v1.version  # a draft re-plan: its residents heard v1
    publish(store, v2.id, user="test")
    assert store.plans.published(WEEK).version == v2.version
    assert told_version(store, store.plans.published(WEEK)).version == v1.version

    live = live_day(store, DAY, ELEVEN)
    assert live.plan.version == v2.version
    listed = {c.request_id: c for c in call_list(live, margin_s=MARGIN_S)}
    day0 = week_seconds(WEEK, DAY, 0)
    for call in moved:
        req = store.requests.get(call.request_id)
        told_v1 = told_from_stops(req, [s for s in v1.stops if s.request_id == req.id])
        told_v2 = told_from_stops(req, [s for s in v2.stops if s.request_id == req.id])
        assert told_v1 == call.told and told_v2 != told_v1
        entry = listed[call.request_id]
        assert entry.told == told_v1  # what v1 told, not v2's own window
        waited = waited_stop(req, [s for s in v2.stops if s.request_id == req.id])
        assert entry.stop_id == waited.id  # the stop of v2 the resident now waits for
        # nothing reported since: the ETA is v2's planned start, what the re-plan's own call list said
        assert entry.expected_s == waited.start_s - day0 == call.expected_s
        assert (entry.reason, entry.moved_s) == (call.reason, call.moved_s)


def test_a_version_published_by_planning_the_week_is_the_one_told(store):
    """The week's own published version (no re-plan) is its told version; nothing else changes."""
    v1 = store.plans.published(WEEK)
    assert told_version(store, v1) is v1


def test_a_call_noted_accepted_makes_the_new_time_what_that_resident_was_told(store, published_copy):
    """v2 (vehicle 2 out from 11:00) published; one moved resident's call noted 変更了承: that resident's told
    window is now v2's (off the call list, and a later version is measured from it), the others' still v1's."""
    from scheduler.domain import CallOutcome
    from scheduler.planning.replan_calls import replan_calls

    v1 = store.plans.published(WEEK)
    result = replan_day(store, RoadNetwork.from_instance(published_copy), DAY, now=ELEVEN, user="test",
                        params=SolveParams(time_limit_s=30, solution_limit=1), outages=[Outage(2, ELEVEN)],
                        margin_s=MARGIN_S)
    publish(store, result.plan.id, user="test")
    v2 = store.plans.published(WEEK)
    listed = {c.request_id: c for c in call_list(live_day(store, DAY, ELEVEN), margin_s=MARGIN_S)}
    moved = [c.request_id for c in result.calls if c.reason in ("later", "earlier") and c.request_id in listed]
    assert len(moved) >= 2, "the breakdown moves at least two residents still served on the day"
    accepted, other = moved[0], moved[1]
    entry = listed[accepted]
    store.call_outcomes.add(CallOutcome(day=DAY, request_id=accepted, stop_id=entry.stop_id, outcome="accepted",
                                        user="operator", at=ELEVEN + dt.timedelta(minutes=5)))

    def told(plan, rid):
        return told_from_stops(store.requests.get(rid), [s for s in plan.stops if s.request_id == rid])

    heard = told_version(store, v2)
    assert heard.version == v1.version
    assert told(heard, accepted) == told(v2, accepted) != told(v1, accepted)
    assert told(heard, other) == told(v1, other)
    again = {c.request_id: c for c in call_list(live_day(store, DAY, ELEVEN), margin_s=MARGIN_S)}
    assert accepted not in again  # not asked to phone again for the same change
    assert again[other].told == told(v1, other)
    # a later version putting everyone back at v1's times moves the resident who accepted v2's, nobody else
    back = {c.request_id: c for c in replan_calls(store, v2, v1, DAY, MARGIN_S)}
    assert back[accepted].told == told(v2, accepted)
    assert other not in back
    # a later call to the same resident noted 不在 does not undo what they heard
    store.call_outcomes.add(CallOutcome(day=DAY, request_id=accepted, stop_id=entry.stop_id, outcome="no_answer",
                                        user="operator", at=ELEVEN + dt.timedelta(minutes=6)))
    assert told(told_version(store, v2), accepted) == told(v2, accepted)
