"""POST /api/requests/<id>/move: a preview, a saved draft version, refusals with codes (409)."""

from __future__ import annotations

import datetime as dt

from tests.webapp.conftest import WEEK, csrf_token, login


def _move(client, request_id, body):
    return client.post(f"/api/requests/{request_id}/move", json=body, headers={"X-CSRFToken": csrf_token(client)})


def _later_visit(store):
    return next(s for s in sorted(store.plans.published(WEEK).stops, key=lambda s: (s.day, s.seq))
                if s.step_type == "visit" and s.day > WEEK)


def test_a_preview_saves_nothing_and_a_move_saves_a_draft(client, store):
    login(client, "dispatcher")
    stop = _later_visit(store)
    versions = len(store.plans.versions())
    body = {"vehicle": stop.vehicle_id, "day": stop.day.isoformat()}
    preview = _move(client, stop.request_id, {**body, "preview": True})
    assert preview.status_code == 200, preview.json
    assert preview.json["saved"] is False and preview.json["times"]
    assert len(store.plans.versions()) == versions
    saved = _move(client, stop.request_id, body)
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert len(store.plans.versions()) == versions + 1
    assert store.plans.get(WEEK, saved.json["version"]).status.value == "draft"


def test_a_refused_move_is_409_with_codes_and_words_in_the_user_s_language(client, store):
    login(client, "dispatcher")
    stop = _later_visit(store)
    versions = len(store.plans.versions())
    saturday = (WEEK + dt.timedelta(days=5)).isoformat()
    answer = _move(client, stop.request_id, {"vehicle": stop.vehicle_id, "day": saturday})
    assert answer.status_code == 409 and answer.json["codes"] == ["no_shift"]
    assert "運行はありません" in answer.json["message"]
    assert len(store.plans.versions()) == versions
    client.get("/lang/en")
    english = _move(client, stop.request_id, {"vehicle": stop.vehicle_id, "day": saturday})
    assert english.json["message"] and "運行" not in english.json["message"]


def test_bad_input_names_the_field(client, store):
    login(client, "dispatcher")
    stop = _later_visit(store)
    for body, field in [({"vehicle": "two", "day": "2026-12-01"}, "vehicle"),
                        ({"vehicle": 1, "day": "soon"}, "day"),
                        ({"vehicle": 1, "day": "2026-12-01", "preview": "yes"}, "preview")]:
        answer = _move(client, stop.request_id, body)
        assert answer.status_code == 400 and answer.json["field"] == field, answer.json
    assert _move(client, 10**12, {"vehicle": 1, "day": "2026-12-01"}).status_code == 404
