"""Publishing a version takes the bookings and cancellations made into it since: no promise misses the drivers."""

from __future__ import annotations

import copy
import dataclasses

from scheduler.domain import PlanStatus
from tests.webapp.conftest import WEEK, csrf_token, login


def _new_version(store, base, **summary):
    """Store a copy of `base` as the week's next version (a re-plan, or with ``derived_from`` a booking's)."""
    stops = [dataclasses.replace(copy.copy(s), id=None, plan_id=None) for s in base.stops]
    unassigned = [dataclasses.replace(copy.copy(u), plan_id=None) for u in base.unassigned]
    plan = dataclasses.replace(base, id=None, version=0, status=PlanStatus.DRAFT, stops=stops, unassigned=unassigned,
                               summary={**base.summary, **summary})
    return store.plans.save(plan)


def _publish(client, body):
    return client.post(f"/api/weeks/{WEEK}/plan/publish", json=body, headers={"X-CSRFToken": csrf_token(client)})


def test_publishing_a_replan_publishes_the_bookings_made_into_it_since(client, store):
    """v2 a re-plan; v3, v4 bookings derived from it; v5 another re-plan: publishing v2 publishes v4."""
    v1 = store.plans.get(WEEK)
    v2 = _new_version(store, v1)
    v3 = _new_version(store, v2, derived_from=v2.version, change={"kind": "booking", "request": "R-1"})
    v4 = _new_version(store, v3, derived_from=v3.version, change={"kind": "cancellation", "request": "R-1"})
    v5 = _new_version(store, v4)
    assert login(client, "dispatcher").status_code == 302
    answer = _publish(client, {"version": v2.version})
    assert answer.status_code == 200 and answer.json["published"] is True
    assert answer.json["plan"]["version"] == v4.version == 4
    assert store.plans.published(WEEK).version == 4 and store.plans.get(WEEK, 2).status == PlanStatus.DRAFT
    again = _publish(client, {"version": v2.version})
    assert again.status_code == 200 and again.json["published"] is False  # its bookings are out already
    latest = _publish(client, {})
    assert latest.json["plan"]["version"] == v5.version == 5


def test_a_published_version_with_draft_bookings_on_top_publishes_them(client, store):
    """A booking derived from v1 while it was being published stayed a draft (v2): publishing v1 again sends v2."""
    v1 = store.plans.get(WEEK)
    assert v1.status == PlanStatus.PUBLISHED
    v2 = _new_version(store, v1, derived_from=v1.version, change={"kind": "booking", "request": "R-2"})
    assert login(client, "dispatcher").status_code == 302
    answer = _publish(client, {"version": v1.version})
    assert answer.status_code == 200 and answer.json["published"] is True
    assert store.plans.published(WEEK).version == v2.version
