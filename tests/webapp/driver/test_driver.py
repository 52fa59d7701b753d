"""The driver's day: only their own vehicle's published route; the buttons record request events."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest

from scheduler.domain import RequestStatus
from tests.webapp.conftest import WEEK, clock_on, csrf_token, login


def _report(client, stop_id, action, note=""):
    return client.post(f"/driver/stops/{stop_id}/report",
                       data={"action": action, "note": note, "csrf_token": csrf_token(client)})


@pytest.fixture
def on_the_day(app, route):
    """The clock on the route's day: its stops may be reported."""
    clock_on(app, route[0])
    return route


def test_driver_sees_own_vehicle_route_as_cards_in_order(client, store, on_the_day):
    """Cards of vehicle 1 on its day, in stop order, with phone links and a geo: hand-off; nothing of others."""
    day, stops = on_the_day
    login(client, "driver1")
    page = client.get(f"/driver/?day={day}")
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'action="/driver/stops/(\d+)/report"', page.text)]
    reportable = [s.id for s in stops if s.step_type in ("visit", "session", "pickup", "delivery")]
    assert list(dict.fromkeys(ids)) == reportable  # four forms per card, cards in stop order
    assert 'href="geo:' in page.text
    plan = store.plans.published(WEEK)
    others = {s.id for s in plan.stops if s.vehicle_id != 1}
    assert not others & set(ids)
    names_elsewhere = {store.residents.get(s.resident_id).name for s in plan.stops
                       if s.vehicle_id != 1 and s.resident_id is not None}
    names_here = {store.residents.get(s.resident_id).name for s in stops if s.resident_id is not None}
    assert names_here and all(n in page.text for n in names_here)
    assert not any(n in page.text for n in names_elsewhere - names_here)


def test_driver_cannot_report_or_read_another_vehicle(client, store, on_the_day):
    """Another vehicle's stop is 404 for the driver; another vehicle's routes are 403 in the API."""
    day, _ = on_the_day
    other = next(s for s in store.plans.published(WEEK).stops if s.vehicle_id == 2 and s.request_id)
    login(client, "driver1")
    assert _report(client, other.id, "arrived").status_code == 404
    assert client.get(f"/api/routes/{day}?vehicle=2").status_code == 403
    mine = client.get(f"/api/routes/{day}").json
    assert {r["vehicle_id"] for r in mine["routes"]} == {1} and mine["plan"]["status"] == "published"
    assert store.request_events.of_request(other.request_id)[-1].stop_id is None


def test_driver_sees_only_the_published_version(client, store, on_the_day):
    """A newer draft version is invisible to drivers: its stops are refused, the published cards stay."""
    day, stops = on_the_day
    draft = copy.deepcopy(store.plans.published(WEEK))
    draft.status = "draft"
    draft = store.plans.save(draft)
    draft_stop = next(s for s in draft.stops if s.vehicle_id == 1 and s.request_id)
    login(client, "driver1")
    assert _report(client, draft_stop.id, "arrived").status_code == 404
    page = client.get(f"/driver/?day={day}")
    assert f'/driver/stops/{stops[0].id}/report' in page.text


def test_buttons_record_request_events_and_move_the_next_card(client, store, on_the_day):
    """到着 then 完了 record events naming the stop; the request is done and the next card is the next stop."""
    day, stops = on_the_day
    first, second = [s for s in stops if s.step_type in ("visit", "session", "delivery")][:2]
    login(client, "driver1")
    page = client.get(f"/driver/?day={day}")
    assert re.search(rf'id="next"[^>]*>\s*<div class="card-head">\s*<span class="seq">{first.seq}<', page.text)
    assert _report(client, first.id, "arrived").status_code == 302
    done = _report(client, first.id, "done")
    assert done.status_code == 302 and done.location.endswith("#next")
    events = [e for e in store.request_events.of_request(first.request_id) if e.stop_id == first.id]
    assert [(e.action, e.to_status) for e in events] == [("arrived", RequestStatus.DISPATCHED),
                                                         ("done", RequestStatus.DONE)]
    assert all(e.user == "driver1" for e in events)
    assert store.requests.get(first.request_id).status == RequestStatus.DONE
    page = client.get(f"/driver/?day={day}")
    following = [s for s in stops if s.seq > first.seq and s.step_type in ("visit", "session", "pickup", "delivery")]
    assert re.search(rf'id="next"[^>]*>\s*<div class="card-head">\s*<span class="seq">{following[0].seq}<',
                     page.text)
    assert second.seq >= following[0].seq


def test_could_not_serve_needs_a_reason_beside_the_field(client, store, on_the_day):
    """対応不可 without a reason is refused (400) with the message beside the field, and nothing is recorded."""
    _day, stops = on_the_day
    stop = next(s for s in stops if s.step_type in ("visit", "delivery"))
    before = len(store.request_events.of_request(stop.request_id))
    login(client, "driver1")
    refused = _report(client, stop.id, "cannot_serve")
    assert refused.status_code == 400 and "理由を入力してください" in refused.text
    assert f'id="note-{stop.id}"' in refused.text
    assert len(store.request_events.of_request(stop.request_id)) == before
    assert _report(client, stop.id, "cannot_serve", "道路が通行止め").status_code == 302
    last = store.request_events.of_request(stop.request_id)[-1]
    assert last.action == "cannot_serve" and last.note == "道路が通行止め" and last.to_status == RequestStatus.FAILED


def test_driver_without_route_today_gets_the_published_days(client, route):
    """A day without a route says so and lists the days of the published plan to open."""
    login(client, "driver1")
    page = client.get("/driver/?day=2026-11-29")
    assert "今日の運行はありません" in page.text
    assert f"/driver/?day={route[0].isoformat()}" in page.text


def test_a_hall_session_card_has_no_nobody_home_button(app, client, store):
    """巡回 (a hall session): 到着 and 完了, never 不在 (nobody is at home at a hall); a home visit keeps 不在."""
    plan = store.plans.published(WEEK)
    session = next(s for s in plan.stops if s.step_type == "session" and s.vehicle_id == 1)
    clock_on(app, session.day)
    login(client, "driver1")
    page = client.get(f"/driver/?day={session.day}").text
    forms = re.findall(r'action="/driver/stops/(\d+)/report">\s*<input[^>]*>\s*<input type="hidden" name="action" '
                       r'value="(\w+)"', page)
    actions = {}
    for stop_id, action in forms:
        actions.setdefault(int(stop_id), set()).add(action)
    assert actions[session.id] == {"arrived", "done"}
    assert any("not_home" in acts for acts in actions.values())  # the other kinds keep it


def test_the_api_refuses_nobody_home_at_a_hall_session(app, client, store):
    """不在 is for a door: at a hall session the API answers 400 naming the action, and nothing is recorded."""
    plan = store.plans.published(WEEK)
    session = next(s for s in plan.stops if s.step_type == "session" and s.vehicle_id == 1)
    clock_on(app, session.day)
    before = len(store.request_events.of_request(session.request_id))
    login(client, "driver1")
    answer = client.post(f"/api/stops/{session.id}/status", json={"action": "not_home"},
                         headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 400 and answer.json["error"].startswith("action:")
    assert len(store.request_events.of_request(session.request_id)) == before


def _report_forms(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'action="/driver/stops/(\d+)/report"', page)}


def _page_on(app, client, clock_day: dt.date, day: dt.date) -> str:
    """Driver 1's page of `day` with the clock on `clock_day` (logged in then: a session lasts on the clock)."""
    clock_on(app, clock_day)
    login(client, "driver1")
    return client.get(f"/driver/?day={day}").text


def test_a_later_days_route_is_read_only_and_says_when_it_can_be_recorded(app, client, route):
    """Tomorrow's route (read the evening before) and one days ahead: the cards without buttons, and a note."""
    day, stops = route
    page = _page_on(app, client, day - dt.timedelta(days=3), day)
    assert "の運行です。到着・完了などは当日に記録できます" in page and "明日" not in page
    assert not _report_forms(page)
    page = _page_on(app, client, day - dt.timedelta(days=1), day)
    assert "明日の運行です。到着・完了などは当日に記録できます" in page
    assert not _report_forms(page) and all(f'<span class="seq">{s.seq}</span>' in page for s in stops)
    page = _page_on(app, client, day, day)
    assert "当日に記録できます" not in page and stops[0].id in _report_forms(page)
    page = _page_on(app, client, day + dt.timedelta(days=1), day)  # a late entry the day after is still taken
    assert stops[0].id in _report_forms(page)


def test_the_note_ahead_is_in_english_on_english_screens(app, client, route):
    """The same note in the screen's language."""
    day, _ = route
    clock_on(app, day - dt.timedelta(days=1))
    login(client, "driver1")
    client.get("/lang/en")
    assert "This is tomorrow&#39;s route" in client.get(f"/driver/?day={day}").text


@pytest.mark.parametrize("action", ["arrived", "done", "not_home", "cannot_serve"])
def test_a_report_ahead_of_the_stops_day_is_refused_and_nothing_stored(app, client, store, route, action):
    """A 完了 (or any button) two days ahead: the tablet answers 400 with the reason, the API 400 naming ``day``."""
    day, stops = route
    stop = next(s for s in stops if s.step_type == "visit")
    before = len(store.request_events.of_request(stop.request_id))
    status = store.requests.get(stop.request_id).status
    clock_on(app, day - dt.timedelta(days=2))
    login(client, "driver1")
    refused = _report(client, stop.id, action, "道路が通行止め")
    assert refused.status_code == 400
    assert "記録できません。" in refused.text and "当日に記録できます" in refused.text
    answer = client.post(f"/api/stops/{stop.id}/status", json={"action": action, "note": "道路が通行止め"},
                         headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 400 and answer.json["error"].startswith("day:")
    assert day.isoformat() in answer.json["error"]
    assert len(store.request_events.of_request(stop.request_id)) == before
    assert store.requests.get(stop.request_id).status == status
