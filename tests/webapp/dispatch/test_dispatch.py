"""The dispatcher's week board, the route map data and the audit log of personal data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.domain import PlanStatus, RequestStatus, city_id
from scheduler.io.exports import door_stops
from scheduler.planning.wording import in_language
from tests.webapp.conftest import WEEK, csrf_token, login
from webapp.i18n import KIND_WORDS
from webapp.plan_views import week_board


def test_week_board_shows_the_planned_sample(client, store):
    """Vehicles × service days, every served stop in its cell, version and status, the unassigned list."""
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}")
    assert page.status_code == 200
    plan = store.plans.get(WEEK)
    assert "第1版" in page.text and "公開済み" in page.text and "12月1日(火)" in page.text
    for vehicle in store.vehicles.active():
        assert vehicle.name in page.text
    shown = page.text.count('<li class="stop ')
    # one card per stop, the deliveries of a several-shop errand at one door being one card
    doors = door_stops(sorted(plan.stops, key=lambda s: (s.day, s.vehicle_id, s.seq)))
    assert shown == sum(1 for group in doors if group[0].step_type not in ("start", "end"))
    assert page.text.count("/dispatch/weeks/2026-11-30/map/") == len({(s.vehicle_id, s.day) for s in plan.stops})
    assert f"{'未割当'} ({len(plan.unassigned)})" in page.text
    for u in plan.unassigned:  # in the screen's language only
        assert in_language(u.reason, "ja") in page.text


def test_unassigned_broken_promises_first(store):
    """A broken promise is listed before other unassigned requests, marked for a call back."""
    from scheduler.domain import TimeWindow
    from scheduler.planning.wording import broken_promise_reason
    from webapp.plan_views import unassigned_rows

    plan = store.plans.get(WEEK)
    last = plan.unassigned[-1]
    last.reason = broken_promise_reason(TimeWindow(dt.date(2026, 12, 1), 9 * 3600, 10 * 3600), "時間内に回れません")
    rows = unassigned_rows(plan, store)
    assert rows[0].request_id == last.request_id and rows[0].broken == "promise"
    assert all(r.broken == "" for r in rows[1:])


def test_board_names_holidays(store):
    """A weekday holiday is a closed column with the holiday's name (勤労感謝の日, 2026-11-23)."""
    board = week_board(store, dt.date(2026, 11, 23))
    assert board.plan is None
    assert (board.days[0].service, board.days[0].closed_because) == (False, "勤労感謝の日")
    assert [d.service for d in board.days[1:]] == [True] * 4


def test_api_plan_matches_the_stored_plan(client, store):
    """``GET /api/weeks/<monday>/plan`` returns every stop of the version in its shift, in order."""
    login(client, "dispatcher")
    data = client.get(f"/api/weeks/{WEEK}/plan?version=1").json
    plan = store.plans.get(WEEK, 1)
    assert data["plan"]["version"] == 1 and data["plan"]["status"] == "published"
    ids = [i for shift in data["shifts"] for s in shift["stops"] for i in s["stop_ids"]]
    assert sorted(ids) == sorted(s.id for s in plan.stops)
    for shift in data["shifts"]:
        assert [s["seq"] for s in shift["stops"]] == sorted(s["seq"] for s in shift["stops"])
    assert client.get(f"/api/weeks/{WEEK}/plan?version=9").status_code == 404


def test_route_map_draws_the_instance_roads_near_the_route(client, store, route):
    """The map data: the route along the roads, and only roads around the route's box."""
    day, _ = route
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}/map/{day}/1")
    assert page.status_code == 200 and "/vendor/leaflet/leaflet.js" in page.text
    data = client.get(f"/api/weeks/{WEEK}/map/{day}/1").json
    located = [s for s in store.plans.get(WEEK).stops
               if s.vehicle_id == 1 and s.day == day and s.lat is not None]  # the lunch break has no place
    assert len(data["route"]["features"]) == len(located) - 1
    assert [s["id"] for s in data["stops"]] == [s.id for s in sorted(located, key=lambda s: s.seq)]
    lats = [c[1] for f in data["route"]["features"] for c in f["geometry"]["coordinates"]]
    lons = [c[0] for f in data["route"]["features"] for c in f["geometry"]["coordinates"]]
    margin = 0.01
    assert data["roads"]["features"]
    for f in data["roads"]["features"]:
        xs = [c[0] for c in f["geometry"]["coordinates"]]
        ys = [c[1] for c in f["geometry"]["coordinates"]]
        assert max(xs) >= min(lons) - margin and min(xs) <= max(lons) + margin
        assert max(ys) >= min(lats) - margin and min(ys) <= max(lats) + margin


def test_viewing_resident_data_is_audited_with_ids_only(client, store):
    """Searching residents and opening the board write audit entries: who, where, which ids; no names."""
    login(client, "operator")
    found = client.get("/api/residents?q=佐藤").json["residents"]
    assert found
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.user, entry.action, entry.subject, entry.where) == ("operator", "search", "resident", "api.residents")
    assert set(entry.subject_ids) == {r["id"] for r in found}
    client.get(f"/dispatch/weeks/{WEEK}")
    board = store.audit_log.latest(limit=1)[0]
    assert board.where == "dispatch.week" and len(board.subject_ids) > 10
    dump = "\n".join(" ".join(map(str, row)) for row in store.db.execute("SELECT * FROM audit_log"))
    assert all(r["name"] not in dump for r in found)


def test_stop_report_is_audited_as_a_change(app, client, store, route):
    """A report through the API is a change of the request, in the audit log."""
    from tests.webapp.conftest import clock_on, csrf_token

    stop = route[1][0]
    clock_on(app, stop.day)  # a stop is reported on its day
    login(client, "dispatcher")
    response = client.post(f"/api/stops/{stop.id}/status", json={"action": "not_home"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200 and response.json["status"] == RequestStatus.NO_SHOW.value
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.action, entry.subject, entry.subject_ids) == ("change", "request", (stop.request_id,))


def test_stop_words_say_what_happens_at_the_door(store):
    """A ride's pick-up and drop-off read 乗車 / 降車, an errand's 受取 / 配達 (codes for `word`), load dims in words."""
    board = week_board(store, WEEK, None)
    codes = {(s.kind, s.step_type): s.word_code for row in board.shifts.values() for s in row.stops}
    assert codes[("ride", "pickup")] == "ride_pickup" and codes[("ride", "delivery")] == "ride_delivery"
    assert codes[("errand", "pickup")] == "pickup" and codes[("errand", "delivery")] == "delivery"
    assert codes[("visit", "visit")] == "visit"
    assert (KIND_WORDS["ride_pickup"], KIND_WORDS["ride_delivery"], KIND_WORDS["seats"]) == ("乗車", "降車", "座席")


def test_board_says_when_the_drivers_version_lacks_a_promise(client, store):
    """A booking made while a re-plan waits as a draft goes into the draft: the board names it until published."""
    # a dispatcher's re-plan, not published yet (v2)
    store.plans.save(dataclasses.replace(store.plans.get(WEEK), status=PlanStatus.DRAFT))
    login(client, "operator")
    booked = client.post("/api/bookings", headers={"X-CSRFToken": csrf_token(client)}, json={
        "draft": {"resident": 1, "kind": "visit", "services": ["seal_certificate"], "earliest": "2026-12-02",
                  "latest": "2026-12-04"}, "offer": 1})
    assert booked.status_code == 201 and booked.json["plan_version"] == 3
    rid = booked.json["request_id"]
    client.get("/logout")
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}")
    assert "公開中の第1版に入っていない約束が1件あります" in page.text and city_id(store.requests.get(rid)) in page.text
    published = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": "3", "csrf_token": csrf_token(client)})
    assert published.status_code == 302
    assert "入っていない約束" not in client.get(f"/dispatch/weeks/{WEEK}").text


def test_board_says_what_a_replan_took_in_while_it_solved(client, store):
    """A version that took in bookings made while it was solved says so beside its counts."""
    plan = store.plans.get(WEEK)
    plan.summary["taken_in"] = {"added": 2, "removed": 1, "routes": 2}
    store.plans.save(dataclasses.replace(plan, status=PlanStatus.DRAFT))
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}")
    assert "計画中に受けた予約2件・取消1件を反映済み" in page.text


def test_a_shift_exception_added_after_the_plan_flags_the_stops_it_breaks(client, store):
    """運休 13:00–17:00 for a van on a planned day: each afternoon stop of it is flagged, the morning ones not."""
    from scheduler.domain import DAY_S, ShiftException

    plan = store.plans.get(WEEK)
    day, vehicle = next((s.day, s.vehicle_id) for s in plan.stops if s.request_id is not None)
    timed = [s for s in plan.stops if (s.day, s.vehicle_id) == (day, vehicle) and s.request_id is not None]
    afternoon = [s for s in timed if s.arrival_s % DAY_S < 17 * 3600 and s.departure_s % DAY_S > 13 * 3600]
    store.shift_exceptions.add(ShiftException(vehicle_id=vehicle, day=day, reason="maintenance",
                                             start_s=13 * 3600, end_s=17 * 3600))
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}").text
    flagged = page.count("運休と重なります")
    assert 0 < flagged <= len(afternoon) and flagged < len(timed)  # a several-shop errand is one card
    assert f"運休・不在と重なる停車が{flagged}件あります" in page


def test_unassigned_list_names_requests_by_city_id_and_the_header_links_to_it(client, store):
    """未割当 rows carry the city's ids (as the compare screen does), not database ids; the count links to the list."""
    plan = store.plans.get(WEEK)
    assert plan.unassigned
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}").text
    table = page.split('id="unassigned"')[1]
    for u in plan.unassigned:
        assert f"<td>{city_id(store.requests.get(u.request_id))}</td>" in table
    assert f'<a href="#unassigned">未割当 {len(plan.unassigned)}</a>' in page


def test_publishing_a_worse_version_shows_the_change_and_needs_a_tick(client, store):
    """A draft serving fewer than the published version: the board compares them; publishing needs the tick box."""
    published = store.plans.get(WEEK)
    worse = dataclasses.replace(published, status=PlanStatus.DRAFT,
                                stops=[s for s in published.stops if s.request_id != published.stops[1].request_id
                                       or s.step_type in ("start", "end")])
    gone = published.stops[1].request_id
    worse.summary = {**published.summary, "served": published.summary["served"] - 1}
    worse.unassigned = [*published.unassigned]
    draft = store.plans.save(worse)
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}").text
    assert "公開中の第1版と比べて" in page and f"計画済み {published.summary['served']} → {worse.summary['served']} ⚠" in page
    assert "計画から外れる依頼 1" in page and 'name="confirm_worse"' in page
    refused = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": str(draft.version),
                                                                   "csrf_token": csrf_token(client)})
    assert refused.status_code == 302 and store.plans.published(WEEK).version == 1
    assert "公開中の版より悪くなる点があります" in client.get(refused.location).text
    done = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": str(draft.version), "confirm_worse": "1",
                                                                "csrf_token": csrf_token(client)})
    assert done.status_code == 302 and store.plans.published(WEEK).version == draft.version
    board = client.get(f"/dispatch/weeks/{WEEK}").text
    assert "第1版 (旧公開版)" in board and f"第{draft.version}版 (公開済み)" in board
    assert gone is not None


def test_a_saturday_extra_duty_has_its_column_on_the_board(client, store):
    """臨時運行 on Saturday: the board shows a Saturday column for it (Sundays without one stay hidden)."""
    from scheduler.domain import ShiftException

    saturday = WEEK + dt.timedelta(days=5)
    store.shift_exceptions.add(ShiftException(vehicle_id=1, day=saturday, reason="extra_duty"))
    login(client, "dispatcher")
    head = client.get(f"/dispatch/weeks/{WEEK}").text.split("<thead>")[1].split("</thead>")[0]
    assert "12月5日(土)" in head and "12月6日(日)" not in head


@pytest.mark.parametrize("version", ["²", "9" * 30, "v2"])
def test_publishing_a_version_that_is_no_number_is_a_400_and_nothing_changes(client, store, version):
    """'²'.isdigit() is true but int('²') fails, and 30 digits overflow SQLite: both are refused like 'v2'."""
    login(client, "dispatcher")
    before = store.plans.published(WEEK).version
    answer = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": version, "csrf_token": csrf_token(client)})
    assert answer.status_code == 400
    assert store.plans.published(WEEK).version == before
