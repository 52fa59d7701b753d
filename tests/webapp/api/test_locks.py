"""POST|GET /api/locks, DELETE /api/locks/<id>: a stop, a shift or a day locked; refused twice; bad input named."""

from __future__ import annotations

import datetime as dt

from tests.webapp.conftest import WEEK, csrf_token, login

THURSDAY = WEEK + dt.timedelta(days=3)


def _post(client, body):
    return client.post("/api/locks", json=body, headers={"X-CSRFToken": csrf_token(client)})


def test_a_stop_a_shift_and_a_day_are_locked_listed_and_removed(client, store):
    login(client, "dispatcher")
    stop = next(s for s in store.plans.published(WEEK).stops if s.day == THURSDAY and s.request_id is not None)
    made = [_post(client, body) for body in ({"stop_id": stop.id}, {"vehicle": stop.vehicle_id,
                                             "day": THURSDAY.isoformat()}, {"day": THURSDAY.isoformat()})]
    assert [m.status_code for m in made] == [201, 201, 201]
    kinds = [m.json["lock"]["kind"] for m in made]
    assert kinds == ["stop", "shift", "day"]
    assert made[0].json["lock"]["request_id"] == stop.request_id
    assert made[0].json["lock"]["created_by"] == "dispatcher"
    listed = client.get(f"/api/locks?week={WEEK.isoformat()}").json["locks"]
    assert sorted(lock["id"] for lock in listed) == sorted(m.json["lock"]["id"] for m in made)
    assert client.get(f"/api/locks?week={(WEEK + dt.timedelta(days=7)).isoformat()}").json["locks"] == []
    first = made[0].json["lock"]["id"]
    gone = client.delete(f"/api/locks/{first}", headers={"X-CSRFToken": csrf_token(client)})
    assert gone.status_code == 200 and len(store.locks.between(THURSDAY, THURSDAY)) == 2
    again = client.delete(f"/api/locks/{first}", headers={"X-CSRFToken": csrf_token(client)})
    assert again.status_code == 404


def test_the_same_lock_twice_is_a_409_and_bad_input_names_the_field(client, store):
    login(client, "dispatcher")
    plan = store.plans.published(WEEK)
    stop = next(s for s in plan.stops if s.day == THURSDAY and s.request_id is not None)
    assert _post(client, {"stop_id": stop.id}).status_code == 201
    twice = _post(client, {"stop_id": stop.id})
    assert twice.status_code == 409 and twice.json["field"] == "lock"
    assert twice.json["message"] == "鍵: すでに鍵がかかっています"
    depot = next(s for s in plan.stops if s.request_id is None)
    cases = [({"stop_id": depot.id}, 400, "stop_id"), ({"stop_id": 10**9}, 404, "stop_id"),
             ({"vehicle": 999, "day": THURSDAY.isoformat()}, 404, "vehicle"),
             ({"vehicle": "two", "day": THURSDAY.isoformat()}, 400, "vehicle"),
             ({"day": "2026-13-01"}, 400, "day"), ({}, 400, "stop_id"), ({"stop_id": 1, "day": "2026-12-03"}, 400,
                                                                         "stop_id")]
    for body, code, field in cases:
        answer = _post(client, body)
        assert (answer.status_code, answer.json["field"]) == (code, field), body
    assert client.get("/api/locks?week=2026-12-01").status_code == 400  # not a Monday
    assert len(store.locks.between(WEEK, WEEK + dt.timedelta(days=6))) == 1


def test_a_locked_request_is_not_moved_409_in_words(client, store):
    login(client, "dispatcher")
    stop = next(s for s in store.plans.published(WEEK).stops if s.day == THURSDAY and s.step_type == "visit")
    other = 1 if stop.vehicle_id != 1 else 2
    assert _post(client, {"day": THURSDAY.isoformat()}).status_code == 201
    answer = client.post(f"/api/requests/{stop.request_id}/move", json={"vehicle": other, "day": THURSDAY.isoformat()},
                         headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 409 and answer.json["codes"] == ["locked"]
    assert "鍵" in answer.json["message"]


def test_drivers_and_operators_cannot_lock(client):
    login(client, "operator")
    assert _post(client, {"day": THURSDAY.isoformat()}).status_code == 403
