"""POST /api/days/<day>/replan and POST /api/outages: a draft version with its diff and calls, bad input, one at a time."""

from __future__ import annotations

import datetime as dt
import threading

from tests.webapp.conftest import WEEK, clock_on, csrf_token, login

DAY = WEEK + dt.timedelta(days=1)


def _post(client, url, body):
    return client.post(url, json=body, headers={"X-CSRFToken": csrf_token(client)})


def test_the_rest_of_a_day_re_planned_is_a_draft_version_with_diff_and_calls(app, client, store):
    clock_on(app, DAY)
    login(client, "dispatcher")
    versions = len(store.plans.versions())
    answer = _post(client, f"/api/days/{DAY.isoformat()}/replan", {"from": "11:00"})
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["day"] == DAY.isoformat() and body["status"] == "draft"
    assert len(store.plans.versions()) == versions + 1
    assert store.plans.get(WEEK).version == body["version"]
    assert body["derived_from"] == store.plans.published(WEEK).version
    assert set(body["diff"]) == {"moved", "reassigned", "newly_unassigned"}
    assert isinstance(body["calls"], list) and isinstance(body["moved"], int)
    assert client.get(f"/api/weeks/{WEEK.isoformat()}/plan").json["plan"]["version"] == body["version"]


def test_an_outage_stores_its_exception_and_re_plans_the_day(app, client, store):
    clock_on(app, DAY)
    login(client, "dispatcher")
    answer = _post(client, "/api/outages", {"vehicle": 2, "from": f"{DAY.isoformat()}T11:00",
                                            "until": f"{DAY.isoformat()}T17:30", "reason": "故障"})
    assert answer.status_code == 201, answer.json
    assert [e["day"] for e in answer.json["exceptions"]] == [DAY.isoformat()]
    [replan] = answer.json["replans"]
    assert replan["day"] == DAY.isoformat()
    [exception] = [e for e in store.shift_exceptions.between(DAY, DAY) if e.vehicle_id == 2]
    assert (exception.reason, exception.note, exception.start_s) == ("other", "故障", 11 * 3600)
    plan = store.plans.get(WEEK)
    assert plan.summary["change"]["outages"] == [2]
    # at 9:00 the van still runs its morning: its route of the day is back at its depot by 11:00
    own = [s for s in plan.stops if (s.vehicle_id, s.day) == (2, DAY)]
    assert own and max(s.departure_s for s in own) % 86400 <= 11 * 3600


def test_bad_input_is_a_400_naming_the_field_in_japanese(app, client):
    clock_on(app, DAY)
    login(client, "dispatcher")
    cases = [
        (f"/api/days/{DAY.isoformat()}/replan", {"from": "25:00"}, "from"),
        ("/api/days/2026-13-01/replan", {}, "day"),
        (f"/api/days/{(DAY - dt.timedelta(days=1)).isoformat()}/replan", {}, "day"),
        ("/api/outages", {"vehicle": "two", "from": "2026-12-01T11:00", "until": "2026-12-01T12:00"}, "vehicle"),
        ("/api/outages", {"vehicle": 2, "from": "tomorrow", "until": "2026-12-01T12:00"}, "from"),
        ("/api/outages", {"vehicle": 2, "from": "2026-12-01T11:00", "until": "2026-12-01T10:00"}, "until"),
        ("/api/outages", {"vehicle": 2, "from": "2026-12-01T11:00", "until": "2026-12-01T12:00", "reason": ""},
         "reason"),
    ]
    for url, body, field in cases:
        answer = _post(client, url, body)
        assert answer.status_code == 400, (url, body, answer.status_code)
        assert answer.json["field"] == field, (url, body, answer.json)
        assert any("\u3040" <= ch <= "\u9fff" for ch in answer.json["message"]), answer.json


def test_a_second_re_plan_of_the_same_day_is_told_one_is_running(app, client, monkeypatch):
    from webapp.api import replan as api

    clock_on(app, DAY)
    login(client, "dispatcher")
    entered, release = threading.Event(), threading.Event()
    real = api.replan_day

    def slow(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "replan_day", slow)
    token = csrf_token(client)
    first: dict = {}

    def run():
        with app.test_client() as other:
            login(other, "admin")
            first["answer"] = other.post(f"/api/days/{DAY.isoformat()}/replan", json={},
                                         headers={"X-CSRFToken": csrf_token(other)})

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(30)
    second = client.post(f"/api/days/{DAY.isoformat()}/replan", json={}, headers={"X-CSRFToken": token})
    release.set()
    thread.join(60)
    assert second.status_code == 409 and second.json["field"] == "day"
    assert first["answer"].status_code == 201
