"""Export a stored plan as CSV and JSON for staff."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from routing.files import write_atomic
from scheduler.domain import (
    ErrandDetails,
    ErrandPickup,
    Request,
    RequestKind,
    TimeWindow,
    VisitDetails,
)
from scheduler.io.exports import (
    COLUMNS,
    dumps,
    plan_csv,
    plan_json,
    plan_rows,
)
from scheduler.planning import plan_week
from scheduler.store import Store
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    H,
    LineMatrix,
    store_world,
)


@pytest.fixture(scope="module")
def planned():
    """A stored plan with a two-service visit and a two-shop errand (2,400 yen to collect)."""
    with Store.open(":memory:") as store:
        store_world(store)
        store.update_resident(dataclasses.replace(store.get_resident(1), notes="耳が遠い"))
        visit = store.add_request(Request(RequestKind.VISIT, VisitDetails(("residence_certificate", "insurance_link")),
                                          resident_id=1, windows=[TimeWindow(TUE, 9 * H, 12 * H)], received_at=NOW),
                                  user="t")
        errand = store.add_request(Request(RequestKind.ERRAND, ErrandDetails(
            pickups=(ErrandPickup(3, boxes=1), ErrandPickup(3, boxes=2)), amount_to_collect_yen=2400, order="rice"),
            resident_id=2, windows=[TimeWindow(TUE, 13 * H, 17 * H)], received_at=NOW), user="t")
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
        yield store, store.get_plan(WEEK), visit, errand


def test_rows_per_stop_with_eta_place_resident_todo_and_collect(planned):
    """Each stop is a row; the visit row names the resident, address, services; money is collected once."""
    store, plan, visit, errand = planned
    rows = plan_rows(plan, store)
    assert len(rows) == len(plan.stops)
    [v] = [r for r in rows if r["request"] == visit.id]
    assert v["resident"] == "架空 一郎" and v["place"] == "Line 3 (fictional)"
    assert v["todo"] == ("訪問: 住民票の写し、マイナ保険証の利用登録 / visit: Residence record copy, "
                         "Health-insurance card linking")
    assert v["notes"] == "耳が遠い" and v["day"] == TUE.isoformat()
    h, m = map(int, v["start"].split(":"))
    assert 9 <= h < 12 or (h, m) == (12, 0)
    deliveries = [r for r in rows if r["request"] == errand.id and r["kind"] == "delivery"]
    assert sorted(r["collect_yen"] for r in deliveries) == [0, 2400]  # 2,400 yen once, not per shop
    pickups = [r for r in rows if r["request"] == errand.id and r["kind"] == "pickup"]
    assert {r["place"] for r in pickups} == {"Shop (fictional)"} and pickups[0]["resident"] == "架空 花子"
    assert {r["kind"] for r in rows} >= {"start", "end", "break", "visit", "pickup", "delivery"}


def test_csv_and_json_round_trip(planned, tmp_path):
    """The CSV has the documented header and one line per stop; the JSON carries version and stops."""
    store, plan, _, _ = planned
    text = plan_csv(plan, store)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0].keys()) == COLUMNS and len(parsed) == len(plan.stops)
    target = tmp_path / "out" / "plan.json"
    write_atomic(target, dumps(plan_json(plan, store)))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["week_start"] == WEEK.isoformat() and data["version"] == 1
    assert len(data["stops"]) == len(plan.stops) and data["unassigned"] == []
    assert [p.name for p in target.parent.iterdir()] == ["plan.json"]  # no temporary file left behind
