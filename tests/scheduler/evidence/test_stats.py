"""The figures of a period (issue 27) against counts made directly in SQL, for a week built by hand.

The tiny line world (tests/scheduler/planning_world.py) with its two residents in two districts:
two home visits, an errand, a hall session with a booked seat, a visit nobody is home for and a
cancelled request, planned by the real planning (solution limit 1), published, and every stop
reported as a tablet would, with what each 完了 handled. The figures read from the daily summary
(`scheduler.evidence.summary`) are the figures counted from the raw rows (`figures_from_events`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics

import pytest

from routing.errors import InputError
from scheduler.domain import (
    ErrandDetails,
    ErrandPickup,
    RequestKind,
    RequestStatus,
    SessionBooking,
    SessionDetails,
    SessionRule,
    TimeWindow,
    VisitDetails,
)
from scheduler.evidence.records import report_at_stop
from scheduler.evidence.stats import (
    COUNTS,
    GROUPINGS,
    UNSERVED,
    figures,
    figures_from_events,
)
from scheduler.evidence.summary import rebuild
from scheduler.planning import plan_week, publish
from scheduler.store import Store
from scheduler.vrp.params import SolveParams
from tests.scheduler.planning_world import (
    NOW,
    TUE,
    WEEK,
    H,
    LineMatrix,
    request,
    store_world,
)

DISTRICTS = {1: "上地区 (fictional)", 2: "下地区 (fictional)"}
END = WEEK + dt.timedelta(days=6)


def _add(store, rid, kind, details, **kw):
    return store.add_request(dataclasses.replace(request(rid, kind, details, **kw), id=None), user="test")


@pytest.fixture(scope="module")
def week():
    """The hand-built week, planned, published and reported; returns the store and the plan."""
    store = Store.open()
    store_world(store)
    for rid, district in DISTRICTS.items():
        store.residents.update(dataclasses.replace(store.residents.get(rid), district=district))
    tue = [TimeWindow(TUE, 9 * H, 16 * H)]
    _add(store, 1, RequestKind.VISIT, VisitDetails(("residence_certificate", "tax_certificate")), resident_id=1,
         windows=tue)
    _add(store, 2, RequestKind.VISIT, VisitDetails(("consultation",)), resident_id=2, windows=tue)
    _add(store, 3, RequestKind.ERRAND, ErrandDetails((ErrandPickup(3, boxes=2, ready_s=10 * H),),
                                                     amount_to_collect_yen=1500), resident_id=1,
         windows=[TimeWindow(TUE, 13 * H, 17 * H)])
    session = _add(store, 4, RequestKind.SESSION, SessionDetails(2, SessionRule("weekly", 1), session_s=3600))
    store.session_bookings.add(SessionBooking(session.id, 2, TUE, ("seal_certificate",)))
    _add(store, 5, RequestKind.VISIT, VisitDetails(("insurance_link",)), resident_id=2,
         windows=[TimeWindow(WEEK + dt.timedelta(days=2), 9 * H, 16 * H)])
    gone = _add(store, 6, RequestKind.VISIT, VisitDetails(("consultation",)), resident_id=1, windows=tue)
    store.change_status(gone.id, RequestStatus.CANCELLED, user="test", note="入院")
    store.db.execute("UPDATE request_events SET at = ? WHERE request_id = ? AND to_status = 'cancelled'",
                     [dt.datetime.combine(WEEK, dt.time(10)).isoformat(), gone.id])
    rebuild(store)  # the event moved around the store: its summary too
    result = plan_week(store, LineMatrix(), WEEK, params=SolveParams(time_limit_s=10, solution_limit=1), user="test",
                       now=NOW)
    plan = publish(store, result.plan.id, user="test")
    for stop in sorted((s for s in plan.stops if s.request_id is not None), key=lambda s: (s.day, s.vehicle_id, s.seq)):
        at = dt.datetime.combine(stop.day, dt.time()) + dt.timedelta(seconds=stop.departure_s % 86400)
        kw = {"user": "driver", "today": stop.day, "at": at, "now": dt.datetime.combine(stop.day, dt.time(23))}
        if stop.request_id == 5:
            report_at_stop(store, stop.id, "not_home", **kw)
        elif stop.request_id == 1:
            report_at_stop(store, stop.id, "done", handled={"services": {"residence_certificate": 2,
                                                                         "tax_certificate": 1}}, **kw)
        elif stop.step_type == "session":
            report_at_stop(store, stop.id, "done", handled={"walk_ins": {"mynumber_application": 2}}, **kw)
        else:
            report_at_stop(store, stop.id, "done", **kw)
    yield store, plan
    store.close()


def _one(store, sql, args=()):
    return store.db.execute(sql, list(args)).fetchone()[0] or 0


def _done_at(store, step_type):
    # a report moves a planned request through dispatched: two events of one report, one stop
    return _one(store, "SELECT COUNT(DISTINCT e.stop_id) FROM request_events e JOIN plan_stops s ON s.id = e.stop_id "
                       "WHERE e.action = 'done' AND s.step_type = ?", [step_type])


def test_every_request_was_planned_and_reported(week):
    store, plan = week
    assert {s.request_id for s in plan.stops if s.request_id} == {1, 2, 3, 4, 5}
    assert _one(store, "SELECT COUNT(*) FROM stop_handled") == 4  # two visits, the session, the delivery


def test_the_figures_agree_with_counts_made_directly_from_the_tables(week):
    store, plan = week
    t = figures(store, WEEK, END, "district").totals
    assert t["visits_done"] == _done_at(store, "visit") == 2
    assert t["sessions_held"] == _done_at(store, "session") == 1
    assert t["errands_delivered"] == _done_at(store, "delivery") == 1
    assert t["unserved_not_home"] == _one(store, "SELECT COUNT(DISTINCT stop_id) FROM request_events WHERE action = 'not_home'") == 1
    assert t["unserved_cancelled"] == _one(store, "SELECT COUNT(*) FROM request_events WHERE to_status = 'cancelled'") == 1
    handled = _one(store, "SELECT SUM(j.value) FROM stop_handled h, json_each(h.services) j")
    walk_ins = _one(store, "SELECT SUM(j.value) FROM stop_handled h, json_each(h.walk_ins) j")
    assert t["services_total"] == handled + walk_ins == 2 + 1 + 1 + 1 + 2  # visit 1, visit 2, seat, walk-ins
    assert t["walk_ins"] == walk_ins == 2
    assert t["services_residence_certificate"] == 2 and t["services_mynumber_application"] == 2
    assert t["boxes_delivered"] == _one(store, "SELECT SUM(boxes) FROM stop_handled") == 2
    assert t["collected_yen"] == _one(store, "SELECT SUM(collected_yen) FROM stop_handled") == 1500
    ends = "FROM plan_stops WHERE plan_id = ? AND step_type = 'end'"
    assert t["distance_m"] == _one(store, f"SELECT SUM(distance_m) {ends}", [plan.id]) > 0
    assert t["driving_s"] == _one(store, f"SELECT SUM(driving_s) {ends}", [plan.id]) > 0
    served = {r[0] for r in store.db.execute(
        "SELECT r.resident_id FROM request_events e JOIN requests r ON r.id = e.request_id "
        "WHERE e.action = 'done' AND r.resident_id IS NOT NULL UNION "
        "SELECT resident_id FROM session_bookings WHERE cancelled_at IS NULL")}
    assert t["unique_residents"] == len(served) == 2
    reported = _one(store, "SELECT COUNT(DISTINCT e.stop_id) FROM request_events e JOIN plan_stops s ON s.id = e.stop_id "
                           "WHERE e.action != 'arrived' AND s.step_type != 'session'")
    assert t["resident_stops_reported"] == reported
    assert t["not_home_rate"] == round(1 / reported, 3)
    waits = [r[0] for r in store.db.execute(
        "SELECT julianday(e.at) - julianday(r.received_at) FROM request_events e JOIN plan_stops s ON s.id = e.stop_id "
        "JOIN requests r ON r.id = e.request_id WHERE e.action = 'done' AND s.step_type IN ('visit', 'delivery') "
        "GROUP BY e.stop_id")]
    assert t["lead_time_days_p50"] == pytest.approx(statistics.median(waits), abs=0.01)


def test_every_grouping_sums_to_the_same_totals(week):
    store, _ = week
    answers = {by: figures(store, WEEK, END, by) for by in GROUPINGS}
    totals = answers["district"].totals
    for by, answer in answers.items():
        for name in COUNTS:
            assert sum(row[name] for row in answer.rows) == totals[name], (by, name)
        assert answer.totals == totals
    districts = {row["key"]: row for row in answers["district"].rows}
    assert districts[DISTRICTS[1]]["visits_done"] == 1 and districts[DISTRICTS[2]]["unserved_not_home"] == 1


def test_the_reach_names_no_one_and_flags_districts_without_visits(week):
    store, _ = week
    answer = figures(store, WEEK, END, "district")
    reach = {row["district"]: row for row in answer.reach}
    assert reach[DISTRICTS[1]]["registered_residents"] == 1 and reach[DISTRICTS[1]]["unique_residents_served"] == 1
    assert reach[DISTRICTS[1]]["visit_flagged"] is False
    later = figures(store, END + dt.timedelta(days=90), END + dt.timedelta(days=91), "district")
    assert later.empty and later.totals["services_total"] == 0
    assert all(row["visit_flagged"] for row in later.reach)
    names = {r.name for r in store.residents.all()}
    assert not any(name in str(answer.to_json()) for name in names)
    rows = {row["key"]: row for row in answer.rows}  # unserved: not home, cannot serve, not planned (not cancelled)
    assert any(row["unserved"] for row in answer.reach)
    assert all(row["unserved"] == sum(rows[row["district"]][k] for k in UNSERVED) if row["district"] in rows
               else row["unserved"] == 0 for row in answer.reach)


def test_the_trend_sets_each_month_against_the_same_month_a_year_before(week):
    store, _ = week
    trend = figures(store, WEEK.replace(day=1), END, "month").trend
    assert [row["month"] for row in trend] == ["2026-11", "2026-12"]
    assert sum(row["services_total"] for row in trend) == 7
    assert all(row["services_total_last_year"] == 0 for row in trend)
    next_year = figures(store, WEEK.replace(year=2027, day=1), END.replace(year=2027), "month").trend
    assert sum(row["services_total_last_year"] for row in next_year) == 7


@pytest.mark.parametrize(("first", "last", "by", "district", "field"), [
    (END, WEEK, "district", None, "to"),
    (dt.date(2020, 1, 1), dt.date(2025, 12, 31), "district", None, "to"),
    (WEEK, END, "colour", None, "by"),
    (WEEK, END, "district", "どこにもない地区", "district"),
])
def test_a_bad_question_is_refused_naming_the_field(week, first, last, by, district, field):
    store, _ = week
    with pytest.raises(InputError) as caught:
        figures(store, first, last, by, district=district)
    assert caught.value.field == field


def _days_summed(store):
    return {r[0] for r in store.db.execute("SELECT day FROM figures_days")}


def test_the_reports_and_the_publication_kept_the_summary_of_their_days(week):
    store, _ = week
    # the visits came in by the reports after the fixture last summed: summed by the hooks, before any question
    assert {(WEEK + dt.timedelta(days=n)).isoformat() for n in range(7)} <= _days_summed(store)
    visits = _one(store, "SELECT SUM(visits_done) FROM figures_counts WHERE day BETWEEN ? AND ?",
                  [WEEK.isoformat(), END.isoformat()])
    assert visits == _done_at(store, "visit") == 2


@pytest.mark.parametrize("by", GROUPINGS)
def test_the_summary_gives_the_figures_counted_from_the_events(week, by):
    store, _ = week
    for first, last, kw in [(WEEK, END, {}), (WEEK, END, {"district": DISTRICTS[2]}),
                            (WEEK, END, {"today": TUE}), (WEEK.replace(day=1), END.replace(year=2027), {})]:
        assert figures(store, first, last, by, **kw).to_json() == figures_from_events(store, first, last, by, **kw).to_json()


def test_a_resident_in_another_district_moves_the_summed_days_with_them(week):
    store, _ = week
    resident = store.residents.get(1)
    store.residents.update(dataclasses.replace(resident, district=DISTRICTS[2]))
    try:
        moved = figures(store, WEEK, END, "district")
        assert moved.to_json() == figures_from_events(store, WEEK, END, "district").to_json()
        assert {row["key"] for row in moved.rows if row["visits_done"]} == {DISTRICTS[2]}
    finally:
        store.residents.update(resident)
    assert figures(store, WEEK, END, "district").to_json() == figures_from_events(store, WEEK, END, "district").to_json()


def test_a_rebuild_sums_the_days_again_from_the_raw_rows(week):
    store, _ = week
    before = figures(store, WEEK, END, "vehicle").to_json()
    store.db.execute("UPDATE figures_counts SET visits_done = visits_done + 5 WHERE day BETWEEN ? AND ?",
                     [WEEK.isoformat(), END.isoformat()])  # a summary gone wrong
    assert figures(store, WEEK, END, "vehicle").to_json() != before
    assert rebuild(store, WEEK, END) == 7
    assert figures(store, WEEK, END, "vehicle").to_json() == before


def test_a_name_excel_would_read_as_a_formula_is_exported_as_text():
    """A district uploaded as =HYPERLINK(...) (or +, -, @) is text in the CSV (a leading ') and in the workbook."""
    import io

    import openpyxl

    from scheduler.evidence.exports import csv_bytes, xlsx_bytes

    rows = [{"district": '=HYPERLINK("http://example.com","x")', "visits": 3},
            {"district": "@SUM(A1)", "visits": -1}, {"district": "上地区", "visits": 0}]
    text = csv_bytes(rows).decode("utf-8-sig").splitlines()
    assert text[1].startswith("\"'=HYPERLINK(") and text[2] == "'@SUM(A1),-1" and text[3] == "上地区,0"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"rows": rows})))["集計"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [(r["district"], "s") for r in rows]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [3, -1, 0]
