"""The crew's reports at a stop (Store.mark_stop): never ahead of the stop's day."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.domain import DomainError
from scheduler.domain.lifecycle import check_press_day
from scheduler.store import Store
from tests.scheduler.store.conftest import WEEK


def test_a_press_on_the_day_or_later_is_taken_a_day_ahead_is_refused():
    """The rule alone: the stop's day and later days pass; any day before it is refused naming ``day``."""
    day = dt.date(2026, 12, 1)
    check_press_day(day, day)
    check_press_day(day, day + dt.timedelta(days=3))  # a late entry
    for ahead in (1, 2):
        with pytest.raises(DomainError, match=r"^day: the stop is on 2026-12-01, after today"):
            check_press_day(day, day - dt.timedelta(days=ahead))


@pytest.mark.parametrize("action", ["arrived", "done", "not_home", "cannot_serve"])
def test_mark_stop_two_days_ahead_stores_nothing(safety_instance, action):
    """完了 (or any report) on a stop two days ahead is refused; the request and its events stay as they were."""
    with Store.for_instance(safety_instance) as store:
        plan = store.plans.published(WEEK)
        stop = next(s for s in plan.stops if s.step_type == "visit" and not store.request_events.latest_reports_at([s.id]))
        events, status = len(store.request_events.of_request(stop.request_id)), store.requests.get(stop.request_id).status
        with pytest.raises(DomainError, match="^day:"):
            store.mark_stop(stop.id, action, user="driver1", note="理由",
                            now=dt.datetime.combine(stop.day - dt.timedelta(days=2), dt.time(17)))
        assert len(store.request_events.of_request(stop.request_id)) == events
        assert store.requests.get(stop.request_id).status == status
        store.mark_stop(stop.id, action, user="driver1", note="理由", now=dt.datetime.combine(stop.day, dt.time(17)))
        assert store.request_events.latest_reports_at([stop.id])[stop.id].action == action
