"""What a 完了 recorded, through ``POST /api/stops/<id>/status`` (issue 27): given, pre-filled, refused."""

from __future__ import annotations

import pytest

from tests.webapp.conftest import csrf_token, login


@pytest.fixture
def day_of(app, route):
    """The clock at 17:00 on driver 1's first day (every press of the day lies in the past)."""
    day, _ = route
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T17:00"
    return day


def _done(client, stop_id: int, **body):
    return client.post(f"/api/stops/{stop_id}/status", json={"action": "done", **body},
                       headers={"X-CSRFToken": csrf_token(client)})


def _first(stops, step_type):
    return next(s for s in stops if s.step_type == step_type)


def test_a_done_visit_records_the_services_given(client, day_of, route, store):
    _, stops = route
    login(client, "driver1")
    visit = _first(stops, "visit")
    handled = {"services": {"residence_certificate": 2, "consultation": 1}}
    answer = _done(client, visit.id, handled=handled)
    assert answer.status_code == 200, answer.json
    assert answer.json["handled"]["services"] == handled["services"]
    stored = store.handled_at([visit.id])[visit.id]
    assert stored.services == {"residence_certificate": 2, "consultation": 1}
    assert stored.request_id == visit.request_id and stored.day == day_of


def test_a_done_without_handled_records_what_was_asked_once_each(client, day_of, route, store):
    _, stops = route
    login(client, "driver1")
    visit = _first(stops, "visit")
    assert _done(client, visit.id).status_code == 200
    asked = store.requests.get(visit.request_id).details.services
    assert store.handled_at([visit.id])[visit.id].services == dict.fromkeys(asked, 1)


@pytest.mark.parametrize(("handled", "field"), [
    ({"services": {"no_such_service": 1}}, "handled.services.no_such_service"),
    ({"services": {"residence_certificate": 1000}}, "handled.services.residence_certificate"),
    ({"services": {"residence_certificate": 1.5}}, "handled.services.residence_certificate"),
    ({"boxes": -1}, "handled.boxes"),
    ({"passengers": True}, "handled.passengers"),
    ({"colour": 1}, "handled.colour"),
    ({"passengers": 2}, "handled.passengers"),  # a visit carries no riders: it would swell the ride figures
    ({"boxes": 3, "services": {"consultation": 1}}, "handled.boxes"),
    ([1, 2], "handled"),
])
def test_a_bad_handled_is_refused_naming_the_field_and_nothing_is_stored(client, day_of, route, store, handled, field):
    _, stops = route
    login(client, "driver1")
    visit = _first(stops, "visit")
    answer = _done(client, visit.id, handled=handled)
    assert answer.status_code == 400
    assert field in answer.json["error"] or field in str(answer.json)
    assert store.handled_at([visit.id]) == {}
    assert store.request_events.reports_at([visit.id]) == []


def test_handled_on_a_not_home_report_is_refused(client, day_of, route, store):
    _, stops = route
    login(client, "driver1")
    visit = _first(stops, "visit")
    answer = client.post(f"/api/stops/{visit.id}/status", json={"action": "not_home", "handled": {"boxes": 1}},
                         headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 400
    assert store.request_events.reports_at([visit.id]) == []


def test_counters_left_at_zero_for_another_kind_of_stop_are_dropped(client, day_of, route, store):
    """A form may send every counter it has: zeros of what this stop does not record are left out, not refused."""
    _, stops = route
    login(client, "driver1")
    visit = _first(stops, "visit")
    answer = _done(client, visit.id, handled={"services": {"consultation": 1}, "boxes": 0, "passengers": 0,
                                              "walk_ins": {}})
    assert answer.status_code == 200, answer.json
    stored = store.handled_at([visit.id])[visit.id]
    assert (stored.services, stored.boxes, stored.passengers, stored.walk_ins) == ({"consultation": 1}, 0, 0, {})
