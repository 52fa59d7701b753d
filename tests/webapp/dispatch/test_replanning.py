"""The dispatcher's forms when the day changes: 鍵 on the board, the day and the sheet; 残りを再計画, 運休, 移動."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.webapp.conftest import TEST_CONFIG, WEEK, clock_on, csrf_token, login

DAY = WEEK + dt.timedelta(days=1)
THURSDAY = WEEK + dt.timedelta(days=3)


@pytest.fixture
def app(instance):
    """The web app with jobs run inside the request that queues them (a re-plan is a day job)."""
    from webapp import create_app

    return create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_JOBS_IMMEDIATE": True})


def _done(client, answer) -> str:
    """Follow a queued day job's page (done at once here) to where it leads: the re-plan's result."""
    assert answer.status_code == 302 and answer.location.startswith("/dispatch/jobs/"), answer.location
    done = client.get(answer.location)
    assert done.status_code == 302, done.text[:300]
    return done.location


def _office(app, name="dispatcher"):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def _form(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def _stop(store, day):
    return next(s for s in sorted(store.plans.published(WEEK).stops, key=lambda s: (s.vehicle_id, s.seq))
                if s.day == day and s.step_type == "visit")


def test_a_stop_locked_on_the_day_screen_shows_its_key_there_on_the_board_and_on_the_sheet(app, store):
    clock_on(app, DAY)
    client = _office(app)
    stop = _stop(store, DAY)
    here = f"/dispatch/days/{DAY.isoformat()}"
    page = client.get(here).text
    assert "残りを再計画" in page and 'action="/dispatch/days/2026-12-01/outage"' in page
    locked = _form(client, "/dispatch/locks", {"stop_id": str(stop.id), "next": here})
    assert locked.status_code == 302 and locked.location == here
    [lock] = store.locks.between(DAY, DAY)
    assert (lock.kind, lock.request_id, lock.vehicle_id) == ("stop", stop.request_id, stop.vehicle_id)
    page = client.get(here).text
    row = re.search(rf'<tr[^>]*data-stop-id="{stop.id}".*?</tr>', page, re.DOTALL).group(0)
    assert f'action="/dispatch/locks/{lock.id}/delete"' in row and "鍵を外す" in row and 'class="lock-icon"' in row
    board = client.get(f"/dispatch/weeks/{WEEK.isoformat()}").text
    assert f'action="/dispatch/locks/{lock.id}/delete"' in board
    sheet = client.get(f"/dispatch/weeks/{WEEK.isoformat()}/sheet/{DAY.isoformat()}/{stop.vehicle_id}").text
    assert sheet.count('class="lock-mark"') == 1
    # the same stop twice: said so, nothing stored twice
    again = client.post("/dispatch/locks", data={"stop_id": str(stop.id), "next": here,
                                                "csrf_token": csrf_token(client)}, follow_redirects=True)
    assert "すでに鍵がかかっています" in again.text and len(store.locks.between(DAY, DAY)) == 1
    assert _form(client, f"/dispatch/locks/{lock.id}/delete", {"next": here}).status_code == 302
    assert store.locks.between(DAY, DAY) == []


@pytest.mark.parametrize("field", ["stop_id", "vehicle"])
def test_a_lock_whose_number_is_a_superscript_is_refused_in_japanese(app, store, field):
    """'²'.isdigit() is true but int('²') fails: the form's number is refused like any other bad one."""
    clock_on(app, DAY)
    client = _office(app)
    here = f"/dispatch/days/{DAY.isoformat()}"
    answer = client.post("/dispatch/locks", data={field: "²", "day": DAY.isoformat(), "next": here,
                                                   "csrf_token": csrf_token(client)}, follow_redirects=True)
    assert answer.status_code == 200 and "鍵をかけられません" in answer.text
    assert store.locks.between(DAY, DAY) == []


def test_a_shift_and_a_day_locked_from_the_board_mark_their_stops(app, store):
    client = _office(app)
    stop = _stop(store, THURSDAY)
    board_url = f"/dispatch/weeks/{WEEK.isoformat()}"
    _form(client, "/dispatch/locks", {"vehicle": str(stop.vehicle_id), "day": THURSDAY.isoformat(), "next": board_url})
    _form(client, "/dispatch/locks", {"day": DAY.isoformat(), "next": board_url})
    assert sorted(lock.kind for lock in store.locks.between(WEEK, WEEK + dt.timedelta(days=6))) == ["day", "shift"]
    board = client.get(board_url).text
    held = sum(1 for s in store.plans.published(WEEK).stops if s.request_id is not None and (
        s.day == DAY or (s.vehicle_id, s.day) == (stop.vehicle_id, THURSDAY)))
    marks = board.count('class="lock-mark"')
    assert marks >= held  # each held stop, its shift and its day carry the mark
    bad = client.post("/dispatch/locks", data={"day": "2026-13-01", "next": board_url,
                                               "csrf_token": csrf_token(client)}, follow_redirects=True)
    assert "鍵をかけられません" in bad.text and "日付" in bad.text


def test_the_rest_of_the_day_re_planned_from_the_screen_shows_who_moves_and_whom_to_call(app, store):
    clock_on(app, DAY)
    client = _office(app)
    result = _done(client, _form(client, f"/dispatch/days/{DAY.isoformat()}/replan", {}))
    plan = store.plans.get(WEEK)
    assert plan.summary["change"]["kind"] == "replan_day"
    assert result == f"/dispatch/weeks/{WEEK.isoformat()}/replanned/{plan.version}"
    page = client.get(result).text
    assert "再計画の結果" in page and 'id="calls"' in page and 'id="changes"' in page
    assert f'href="/dispatch/weeks/{WEEK.isoformat()}/compare?version={plan.version}"' in page
    compare = client.get(f"/dispatch/weeks/{WEEK.isoformat()}/compare?version={plan.version}").text
    assert 'action="/dispatch/weeks/2026-11-30/publish"' in compare and "公開する" in compare


def test_vehicle_2_out_of_service_from_the_form_lists_its_residents(app, store):
    clock_on(app, DAY)
    client = _office(app)
    result = _done(client, _form(client, f"/dispatch/days/{DAY.isoformat()}/outage",
                                 {"vehicle": "2", "from": "11:00", "reason": "maintenance"}))
    assert "/replanned/" in result
    [exception] = [e for e in store.shift_exceptions.between(DAY, DAY) if e.vehicle_id == 2]
    assert (exception.start_s, exception.end_s, exception.reason) == (11 * 3600, 86_400, "maintenance")
    plan = store.plans.get(WEEK)
    assert plan.summary["change"]["outages"] == [2]
    page = client.get(result).text
    assert "運休" in page and store.vehicles.get(2).name in page
    left = [s for s in plan.stops if (s.vehicle_id, s.day) == (2, DAY) and s.request_id is not None]
    assert all(s.start_s % 86_400 < 11 * 3600 for s in left)
    rows = re.findall(r'<tr class="call-(\w+)" data-request-id="(\d+)"', page)
    assert rows and len(rows) == len(set(rows))
    # published, the call list lists the residents the re-plan moved, told times from the version before
    assert _form(client, f"/dispatch/weeks/{WEEK.isoformat()}/publish", {"version": str(plan.version),
                                                                        "confirm_worse": "1"}).status_code == 302
    assert store.plans.published(WEEK).version == plan.version
    calls = client.get(f"/dispatch/days/{DAY.isoformat()}/calls").text
    assert 'id="replan-calls"' in calls
    assert sorted(re.findall(r'<tr class="call-(\w+)" data-request-id="(\d+)"', calls)) == sorted(rows)
    bad = client.post(f"/dispatch/days/{DAY.isoformat()}/outage", data={
        "vehicle": "2", "from": "25:00", "csrf_token": csrf_token(client)}, follow_redirects=True)
    assert "運休を記録できません" in bad.text


def _a_move_that_fits(client, store):
    plan = store.plans.published(WEEK)
    for stop in (s for s in plan.stops if s.day == THURSDAY and s.step_type == "visit"):
        for other in sorted({s.vehicle_id for s in plan.stops} - {stop.vehicle_id}):
            preview = client.get(f"/dispatch/requests/{stop.request_id}/move?vehicle={other}&day={THURSDAY}")
            assert preview.status_code == 200
            if 'id="move-preview"' in preview.text:
                return stop, other, preview
    raise AssertionError("no visit of the Thursday fits on another van")


def test_a_move_is_previewed_then_saved_as_a_draft_and_a_locked_one_is_refused(app, store):
    client = _office(app)
    versions = len(store.plans.versions())
    latest = store.plans.get(WEEK).version
    stop, other, preview = _a_move_that_fits(client, store)
    assert "新しい時刻" in preview.text and len(store.plans.versions()) == versions  # nothing saved by a preview
    saved = _form(client, f"/dispatch/requests/{stop.request_id}/move", {"vehicle": str(other),
                                                                       "day": THURSDAY.isoformat()})
    plan = store.plans.get(WEEK)
    assert saved.status_code == 302 and plan.version == latest + 1 and plan.status.value == "draft"
    assert saved.location == f"/dispatch/weeks/{WEEK.isoformat()}/compare?version={plan.version}"
    assert [(s.vehicle_id, s.day) for s in plan.stops if s.request_id == stop.request_id] == [(other, THURSDAY)]
    _form(client, "/dispatch/locks", {"day": THURSDAY.isoformat()})
    refused = client.get(f"/dispatch/requests/{stop.request_id}/move?vehicle={stop.vehicle_id}"
                         f"&day={THURSDAY.isoformat()}").text
    assert 'id="move-refused"' in refused and "鍵がかかった依頼は動かせません" in refused


def test_operators_see_the_day_without_its_actions(app):
    clock_on(app, DAY)
    client = _office(app, "operator")
    page = client.get(f"/dispatch/days/{DAY.isoformat()}").text
    assert "残りを再計画" not in page and "鍵をかける" not in page
    assert client.post(f"/dispatch/days/{DAY.isoformat()}/replan",
                       data={"csrf_token": csrf_token(client)}).status_code == 403


def test_a_day_job_running_shows_its_progress_on_the_day_screen_and_a_second_one_is_told(instance, store):
    """Jobs stay queued (no consumer): the day screen shows the job's box; 残りを再計画 again says one is running."""
    from webapp import create_app

    app = create_app(instance, test_config=dict(TEST_CONFIG))
    clock_on(app, DAY)
    client = _office(app)
    answer = _form(client, f"/dispatch/days/{DAY.isoformat()}/replan", {})
    job_page = client.get(answer.location)
    assert job_page.status_code == 200 and "残りの再計画" in job_page.text and "順番待ち" in job_page.text
    [job] = store.jobs.where("kind = 'day_replan'")
    day_page = client.get(f"/dispatch/days/{DAY.isoformat()}").text
    assert f'data-job-url="/api/jobs/{job.id}"' in day_page and "jobs.js" in day_page
    again = _form(client, f"/dispatch/days/{DAY.isoformat()}/outage", {"vehicle": "2", "reason": "maintenance"})
    assert again.location == f"/dispatch/jobs/{job.id}"
    assert "この日の再計画は実行中です" in client.get(again.location).text
