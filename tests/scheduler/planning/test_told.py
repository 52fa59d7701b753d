"""Planning a published week again keeps what residents were told (scheduler.planning.told)."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.network import RoadNetwork
from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.domain import DAY_S, week_seconds
from scheduler.io.sample import sample_now
from scheduler.planning import plan_week
from scheduler.planning.told import DEFAULT_TOLD_MARGIN_S
from scheduler.vrp.params import SolveParams
from tests.conftest import planned_sample_copy

WEEK = dt.date(2026, 11, 30)


def _moved(store, before, after) -> tuple[int, int]:
    """Return (residents told in `before` whose waited start in `after` leaves the told window by > the margin, told)."""
    moved = told_count = 0
    for rid in {s.request_id for s in before.stops if s.request_id is not None}:
        req = store.requests.get(rid)
        if req.kind.value == "session":
            continue
        told = told_from_stops(req, [s for s in before.stops if s.request_id == rid])
        if told is None:
            continue
        told_count += 1
        now = waited_stop(req, [s for s in after.stops if s.request_id == rid])
        if now is None:
            moved += 1
            continue
        start = now.start_s - week_seconds(WEEK, told.day, 0)
        if not told.start_s - DEFAULT_TOLD_MARGIN_S <= start <= told.end_s + DEFAULT_TOLD_MARGIN_S:
            moved += 1
    return moved, told_count


@pytest.fixture
def published(sample_instance, tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    store, result = planned_sample_copy(sample_instance, folder, WEEK)
    with store:
        yield store, RoadNetwork.from_instance(folder), result.plan


def test_a_re_plan_with_nothing_changed_moves_nobody_and_serves_as_many(published):
    store, network, first = published
    again = plan_week(store, network, WEEK, params=SolveParams(time_limit_s=60, solution_limit=1), user="test",
                      now=sample_now(WEEK)).plan
    moved, told = _moved(store, first, again)
    print(f"residents told: {told}; moved beyond {DEFAULT_TOLD_MARGIN_S // 60} min: {moved}; "
          f"served {first.summary['served']} -> {again.summary['served']}")
    assert told > 0 and again.summary["told"]["residents"] >= told
    assert moved == 0
    assert again.summary["served"] >= first.summary["served"]
    assert again.summary["told"]["moved"] == 0
    assert all(s.start_s % DAY_S >= 0 for s in again.stops)

