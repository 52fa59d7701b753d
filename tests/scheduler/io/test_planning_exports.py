"""Export a stored plan as CSV and JSON for staff."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from routing.files import write_atomic
from scheduler.domain import (
    DAY_S,
    ErrandDetails,
    ErrandPickup,
    Plan,
    Request,
    RequestKind,
    Site,
    SiteKind,
    TimeWindow,
    VisitDetails,
    hhmm,
)
from scheduler.io.exports import (
    COLUMNS,
    dumps,
    plan_csv,
    plan_json,
    plan_rows,
)
from scheduler.planning import format_result, plan_week
from scheduler.planning.plan_building import _split_errands
from scheduler.store import Store
from scheduler.vrp.validator import validate
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    H,
    LineMatrix,
    post,
    store_world,
)


@pytest.fixture(scope="module")
def planned():
    """A stored plan: a visit (no city id), a two-shop errand E7 (2 + 1 boxes, 2,400 yen), a 20-box errand.

    The kei-van carries 8 boxes, so E-BIG (20 boxes) is unassigned. Posts: depot 0, shop 5,
    pharmacy 8, resident K002 at 12: the kei-van collects at 5 and 8, then delivers both at 12.
    """
    with Store.open(":memory:") as store:
        store_world(store)
        store.residents.update(dataclasses.replace(store.residents.get(1), notes="耳が遠い", external_id="K001"))
        store.residents.update(dataclasses.replace(store.residents.get(2), external_id="K002"))
        for vid, city in ((1, "VAN"), (2, "KEI")):
            store.vehicles.update(dataclasses.replace(store.vehicles.get(vid), external_id=city))
        pharmacy = store.sites.add(Site("Pharmacy (fictional)", SiteKind.PHARMACY, post(8), 140.0,
                                       external_id="PHARM"))
        visit = store.add_request(Request(RequestKind.VISIT, VisitDetails(("residence_certificate", "insurance_link")),
                                          resident_id=1, windows=[TimeWindow(TUE, 9 * H, 12 * H)], received_at=NOW),
                                  user="t")
        errand = store.add_request(Request(RequestKind.ERRAND, ErrandDetails(
            pickups=(ErrandPickup(3, boxes=2), ErrandPickup(pharmacy.id, boxes=1)), amount_to_collect_yen=2400,
            order="rice"), resident_id=2, windows=[TimeWindow(TUE, 13 * H, 17 * H)], received_at=NOW,
            external_id="E7"), user="t")
        big = store.add_request(Request(RequestKind.ERRAND, ErrandDetails(pickups=(ErrandPickup(3, boxes=20),)),
                                        resident_id=2, received_at=NOW, external_id="E-BIG"), user="t")
        result = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
        assert validate(result.compiled.problem, result.solution) == []
        yield store, store.plans.get(WEEK), visit, errand, big, result


def test_rows_per_stop_with_eta_place_resident_todo_and_collect(planned):
    """Each stop is a row; the visit row names the resident, address, services; money is collected once."""
    store, plan, visit, *_ = planned
    rows = plan_rows(plan, store)
    assert len(rows) == len(plan.stops) - 1  # the errand's two deliveries are one stop at the door
    [v] = [r for r in rows if r["request_db_id"] == visit.id]
    assert v["resident"] == "架空 一郎" and v["place"] == "Line 3 (fictional)"
    assert v["todo"] == ("訪問: 住民票の写し、マイナ保険証の利用登録 / visit: Residence record copy, "
                         "Health-insurance card linking")
    assert v["notes"] == "耳が遠い" and v["day"] == TUE.isoformat()
    h, m = map(int, v["start"].split(":"))
    assert 9 <= h < 12 or (h, m) == (12, 0)
    pickups = [r for r in rows if r["request"] == "E7" and r["kind"] == "pickup"]
    assert sorted((r["place"], r["boxes"]) for r in pickups) == [("Pharmacy (fictional)", 1), ("Shop (fictional)", 2)]
    assert {r["resident"] for r in pickups} == {"架空 花子"}
    assert {r["kind"] for r in rows} >= {"start", "end", "break", "visit", "pickup", "delivery"}


def test_exports_name_records_by_the_city_ids(planned):
    """CSV and JSON carry the city's ids (request, resident, vehicle); '#<db id>' only where the city gave none."""
    store, plan, visit, errand, big, _ = planned
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan, store))))
    assert {r["request"] for r in rows} == {"", f"#{visit.id}", "E7"}
    assert {r["resident_id"] for r in rows if r["request"] == "E7"} == {"K002"}
    assert {r["resident_id"] for r in rows if r["request"] == f"#{visit.id}"} == {"K001"}
    assert {r["vehicle_id"] for r in rows} == {"VAN", "KEI"}
    data = plan_json(plan, store)
    assert {(s["request"], s["request_db_id"]) for s in data["stops"] if s["request"]} == {
        (f"#{visit.id}", visit.id), ("E7", errand.id)}
    [unassigned] = data["unassigned"]
    assert unassigned["request_id"] == "E-BIG" and unassigned["request_db_id"] == big.id


def test_two_shop_errand_is_one_delivery_at_the_door(planned):
    """E7 (shop 2 boxes + pharmacy 1 box) is one delivery row: each shop's boxes, total 3, 2,400 yen once."""
    store, plan, _, errand, _, result = planned
    stops = [s for s in plan.stops if s.request_id == errand.id and s.step_type == "delivery"]
    assert len(stops) == 2 and abs(stops[0].seq - stops[1].seq) == 1  # consecutive on one route
    [door] = [r for r in plan_rows(plan, store) if r["request"] == "E7" and r["kind"] == "delivery"]
    assert door["todo"] == ("配達 計3箱（Shop (fictional) 2箱、Pharmacy (fictional) 1箱） / "
                            "deliver 3 box(es) (Shop (fictional) 2, Pharmacy (fictional) 1)")
    assert door["todo_ja"] == "配達 計3箱（Shop (fictional) 2箱、Pharmacy (fictional) 1箱）"
    assert door["todo_en"] == "deliver 3 box(es) (Shop (fictional) 2, Pharmacy (fictional) 1)"
    assert door["boxes"] == 3 and door["collect_yen"] == 2400 and door["place"] == "Line 12 (fictional)"
    first, last = sorted(stops, key=lambda s: s.seq)
    # the door takes 5 min for the order plus 1 min for the second shop's box
    assert last.departure_s - first.start_s == 300 + 60
    assert door["leave"] == hhmm(last.departure_s % DAY_S)
    assert result.plan.summary["served_by_kind"]["errand"] == 1 and plan.summary["split_errands"] == []


def test_deliveries_apart_on_the_route_are_separate_correct_lines(planned):
    """Deliveries of one errand that do not follow each other are two rows, each with its own shop's boxes."""
    store, plan, _, errand, _, _ = planned
    stops = sorted((s for s in plan.stops if s.request_id == errand.id), key=lambda s: s.seq)
    p0, p1 = sorted((s for s in stops if s.step_type == "pickup"), key=lambda s: s.part)
    d0, d1 = sorted((s for s in stops if s.step_type == "delivery"), key=lambda s: s.part)
    # shop, door (shop's part), pharmacy, door (pharmacy's part): a route the solver did not choose
    order = [p0, d0, p1, d1]
    apart = [dataclasses.replace(s, seq=i + 1, id=None, plan_id=None) for i, s in enumerate(order)]
    hand_made = Plan(week_start=WEEK, version=0, created_at=NOW, created_by="t", stops=apart)
    rows = [r for r in plan_rows(hand_made, store) if r["kind"] == "delivery"]
    assert [(r["boxes"], r["collect_yen"]) for r in rows] == [(2, 2400), (1, 0)]
    assert _split_errands(apart) == [errand.id]  # listed for the dispatcher in the plan summary
    assert rows[0]["todo"] == "配達 Shop (fictional) 2箱（2店のうち1店目） / deliver 2 box(es) from shop 1 of 2"
    assert rows[1]["todo"].startswith("配達 Pharmacy (fictional) 1箱（2店のうち2店目）")
    # pharmacy first: the money is still taken once, where the first shop's goods (and hand-over time) are
    reordered = [p1, d1, p0, d0]
    hand_made.stops = [dataclasses.replace(s, seq=i + 1, id=None, plan_id=None) for i, s in enumerate(reordered)]
    rows = [r for r in plan_rows(hand_made, store) if r["kind"] == "delivery"]
    assert [(r["boxes"], r["collect_yen"]) for r in rows] == [(1, 0), (2, 2400)]


def test_planning_report_names_requests_by_the_city_ids(planned):
    """The command-line report lists the unassigned errand as E-BIG, not by its database id."""
    store, _, _, errand, big, result = planned
    text = "\n".join(format_result(result, store))
    assert "request E-BIG (errand)" in text and f"request {big.id} " not in text
    assert "separate trips" not in text
    # an errand whose shops' goods reached the door apart is named by its city id too
    split = dataclasses.replace(result, plan=dataclasses.replace(
        result.plan, summary={**result.plan.summary, "split_errands": [errand.id]}))
    assert "! 1 errand(s) reach the door on separate trips (one line per shop on the sheets): E7" in format_result(split)


def test_csv_and_json_round_trip(planned, tmp_path):
    """The CSV has the documented header and one line per stop; the JSON carries version and stops."""
    store, plan, *_ = planned
    text = plan_csv(plan, store)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0].keys()) == COLUMNS and len(parsed) == len(plan.stops) - 1
    target = tmp_path / "out" / "plan.json"
    write_atomic(target, dumps(plan_json(plan, store)))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["week_start"] == WEEK.isoformat() and data["version"] == 1
    assert len(data["stops"]) == len(parsed) and len(data["unassigned"]) == 1
    assert [p.name for p in target.parent.iterdir()] == ["plan.json"]  # no temporary file left behind
