"""POST /api/days/<day>/replan and POST /api/outages: a job (202) whose result is a draft version with its diff and
calls, bad input before anything is queued, one day job per day (409 naming it)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.webapp.conftest import TEST_CONFIG, WEEK, clock_on, csrf_token, login

DAY = WEEK + dt.timedelta(days=1)


def _post(client, url, body):
    return client.post(url, json=body, headers={"X-CSRFToken": csrf_token(client)})


@pytest.fixture
def immediate(instance):
    """The app with jobs run inside the request that queues them (huey's immediate mode)."""
    from webapp import create_app

    return create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_JOBS_IMMEDIATE": True})


def _queued(answer) -> dict:
    """The job of a 202 answer, checked: its Location is GET /api/jobs/<id>."""
    assert answer.status_code == 202, answer.json
    job = answer.json["job"]
    assert answer.headers["Location"].endswith(f"/api/jobs/{job['id']}")
    return job


def test_the_rest_of_a_day_re_planned_is_a_job_whose_result_is_a_draft_version_with_diff_and_calls(immediate, store):
    clock_on(immediate, DAY)
    client = immediate.test_client()
    login(client, "dispatcher")
    versions = len(store.plans.versions())
    job = _queued(_post(client, f"/api/days/{DAY.isoformat()}/replan", {"from": "11:00"}))
    assert (job["kind"], job["days"]) == ("day_replan", [DAY.isoformat()])
    done = client.get(f"/api/jobs/{job['id']}").json
    assert done["state"] == "done" and done["progress"] == 100, done
    [body] = done["result"]["replans"]
    assert done["result"]["versions"] == [body["version"]] and done["result"]["version"] == body["version"]
    assert body["day"] == DAY.isoformat() and body["status"] == "draft"
    assert len(store.plans.versions()) == versions + 1
    assert store.plans.get(WEEK).version == body["version"]
    assert body["derived_from"] == store.plans.published(WEEK).version
    assert set(body["diff"]) == {"moved", "reassigned", "newly_unassigned"}
    assert isinstance(body["calls"], list) and isinstance(body["moved"], int)
    assert client.get(f"/api/weeks/{WEEK.isoformat()}/plan").json["plan"]["version"] == body["version"]


def test_an_outage_is_a_job_that_stores_its_exception_and_re_plans_the_day(immediate, store):
    clock_on(immediate, DAY)
    client = immediate.test_client()
    login(client, "dispatcher")
    job = _queued(_post(client, "/api/outages", {"vehicle": 2, "from": f"{DAY.isoformat()}T11:00",
                                                 "until": f"{DAY.isoformat()}T17:30", "reason": "故障"}))
    assert job["kind"] == "outage"
    result = client.get(f"/api/jobs/{job['id']}").json["result"]
    assert [e["day"] for e in result["exceptions"]] == [DAY.isoformat()]
    [replan] = result["replans"]
    assert replan["day"] == DAY.isoformat()
    [exception] = [e for e in store.shift_exceptions.between(DAY, DAY) if e.vehicle_id == 2]
    assert (exception.reason, exception.note, exception.start_s) == ("other", "故障", 11 * 3600)
    plan = store.plans.get(WEEK)
    assert plan.version == replan["version"] and plan.summary["change"]["outages"] == [2]
    # at 9:00 the van still runs its morning: its route of the day is back at its depot by 11:00
    own = [s for s in plan.stops if (s.vehicle_id, s.day) == (2, DAY)]
    assert own and max(s.departure_s for s in own) % 86400 <= 11 * 3600


def test_bad_input_is_a_400_naming_the_field_in_japanese(app, client, store):
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
        ("/api/outages", {"vehicle": 2, "from": "2026-12-01T25:00", "until": "2026-12-01T12:00"}, "from"),
        ("/api/outages", {"vehicle": 2, "from": "2026-11-30T11:00", "until": "2026-12-01T08:30"}, "until"),
    ]
    for url, body, field in cases:
        answer = _post(client, url, body)
        assert answer.status_code == 400, (url, body, answer.status_code)
        assert answer.json["field"] == field, (url, body, answer.json)
        assert any("\u3040" <= ch <= "\u9fff" for ch in answer.json["message"]), answer.json
    assert [j for j in store.jobs.where("kind != 'week_plan'")] == []  # nothing queued
    assert store.shift_exceptions.between(WEEK, WEEK + dt.timedelta(days=6)) == []


def test_a_second_re_plan_of_a_day_with_a_job_queued_is_a_409_naming_it_from_another_process_too(app, client, instance,
                                                                                                  store):
    """Jobs stay queued (no consumer): the same day again, an outage on it, and a second app on the same
    database (another process's view: nothing shared but the jobs table) are all told job N holds the day."""
    from webapp import create_app

    clock_on(app, DAY)
    login(client, "dispatcher")
    first = _queued(_post(client, f"/api/days/{DAY.isoformat()}/replan", {}))
    assert first["state"] == "queued"
    again = _post(client, f"/api/days/{DAY.isoformat()}/replan", {"from": "12:00"})
    assert again.status_code == 409 and again.json["job_id"] == first["id"] and again.json["field"] == "day"
    outage = _post(client, "/api/outages", {"vehicle": 1, "from": f"{DAY.isoformat()}T13:00",
                                            "until": f"{(DAY + dt.timedelta(days=1)).isoformat()}T12:00"})
    assert outage.status_code == 409 and outage.json["job"]["id"] == first["id"]
    other = create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_NOW": f"{DAY.isoformat()}T09:00"})
    with other.test_client() as second:
        login(second, "admin")
        answer = _post(second, f"/api/days/{DAY.isoformat()}/replan", {})
    assert answer.status_code == 409 and answer.json["job_id"] == first["id"]
    # another day is free
    later = _queued(_post(client, f"/api/days/{(DAY + dt.timedelta(days=2)).isoformat()}/replan", {}))
    assert later["id"] != first["id"]
    assert [j.id for j in store.jobs.where("kind != 'week_plan'")] == [later["id"], first["id"]]
