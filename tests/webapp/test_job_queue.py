"""Planning a week as a background job (huey), its progress, comparing versions and publishing them."""

from __future__ import annotations

import copy
import datetime as dt
import re
import time

import pytest
from flask import session
from flask_babel import gettext

from scheduler.domain import PlanStatus, ShiftException, UnassignedRequest
from scheduler.plan_job import JobPhase, JobState, PlanJob
from scheduler.store.tables import Jobs
from tests.webapp.conftest import TEST_CONFIG, WEEK, csrf_token, login
from webapp import create_app, job_queue

#: Fast, deterministic planning: one improving solution, however long the time limit.
FAST = {**TEST_CONFIG, "ODEKAKE_PLAN_SOLUTION_LIMIT": 1}


@pytest.fixture
def immediate_app(instance):
    """The app with jobs run inside the request that queues them (huey's immediate mode)."""
    return create_app(instance, test_config={**FAST, "ODEKAKE_JOBS_IMMEDIATE": True})


@pytest.fixture
def queued_app(instance):
    """The app with the real SQLite queue in the instance folder and no consumer (jobs stay queued)."""
    return create_app(instance, test_config=dict(FAST))


def _api_post(client, url, body=None):
    return client.post(url, json=body or {}, headers={"X-CSRFToken": csrf_token(client)})


def _logged_in(app, name="dispatcher"):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def test_progress_by_phase_and_solve_time():
    """Queued 0; 準備中 5; the solve fills 10–94 by time against its limit; 保存中 95; done 100."""
    t0 = dt.datetime(2026, 11, 30, 9, 0, 0)
    job = PlanJob(week_start=WEEK, created_by="x", time_limit_s=20)
    assert job.progress(t0) == 0
    job.state, job.phase, job.phase_started_at = JobState.RUNNING, JobPhase.COMPILE, t0
    assert job.progress(t0) == 5
    job.phase = JobPhase.SOLVE
    assert job.progress(t0) == 10
    assert job.progress(t0 + dt.timedelta(seconds=10)) == 10 + 84 // 2  # half the limit: half of 10..94
    assert job.progress(t0 + dt.timedelta(seconds=60)) == 94  # past the limit: never 95 while solving
    job.phase = JobPhase.STORE
    assert job.progress(t0) == 95
    job.state = JobState.DONE
    assert job.progress(t0) == 100


def test_progress_counts_against_the_expected_end_once_the_solver_reports_it():
    """With the early stop's deadline 8 s into a 20 s limit, 4 s is half way; past it, 94 until stored."""
    t0 = dt.datetime(2026, 11, 30, 9, 0, 0)
    job = PlanJob(week_start=WEEK, created_by="x", time_limit_s=20, state=JobState.RUNNING, phase=JobPhase.SOLVE,
                  phase_started_at=t0, expected_solve_s=8)
    assert job.progress(t0 + dt.timedelta(seconds=4)) == 10 + 84 // 2
    assert job.progress(t0 + dt.timedelta(seconds=9)) == 94
    job.expected_solve_s = 30  # never beyond the limit
    assert job.progress(t0 + dt.timedelta(seconds=10)) == 10 + 84 // 2


def test_a_running_job_shows_its_best_plan_so_far(instance, store, monkeypatch):
    """A real search (no solution limit): while solving, the job keeps the best plan's counts and shows them in words."""
    app = create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_JOBS_IMMEDIATE": True})
    seen = []
    original = Jobs.update

    def spy(self, job):
        seen.append(copy.copy(job))
        return original(self, job)

    monkeypatch.setattr(Jobs, "update", spy)
    client = _logged_in(app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 30})
    assert answer.status_code == 202, answer.json
    found = [j for j in seen if j.phase == JobPhase.SOLVE and j.found_served is not None]
    assert found, "no progress recorded while solving"
    done = seen[-1]
    assert done.state == JobState.DONE
    for job in found:
        assert job.found_served + job.found_unassigned == done.served + done.unassigned
        assert 0 < job.expected_solve_s <= 30
    with app.test_request_context("/"):
        running = job_queue.job_json(found[-1])
        assert running["found"]["served"] == found[-1].found_served
        assert running["found"]["words"].startswith(f"途中経過: 計画済み {found[-1].found_served} · 未割当 ")
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert job_queue.job_json(found[-1])["found"]["words"].startswith(
            f"Best plan so far: {found[-1].found_served} planned · ")
    assert client.get(f"/api/jobs/{answer.json['job']['id']}").json["found"] is None  # done: the result instead


def test_job_goes_through_its_phases_with_rising_progress(immediate_app, store, monkeypatch):
    """queued → running (準備中, 計画中, 保存中) → done; each stored step shows more progress."""
    seen = []
    original = Jobs.update

    def spy(self, job):
        seen.append((job.state, job.phase, job.progress(job.phase_started_at)))
        return original(self, job)

    monkeypatch.setattr(Jobs, "update", spy)
    client = _logged_in(immediate_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 10})
    assert answer.status_code == 202, answer.json
    assert [(s, p) for s, p, _ in seen] == [
        (JobState.RUNNING, JobPhase.COMPILE), (JobState.RUNNING, JobPhase.SOLVE),
        (JobState.RUNNING, JobPhase.STORE), (JobState.DONE, JobPhase.STORE)]
    progress = [p for _, _, p in seen]
    assert progress == sorted(progress) and progress[0] < progress[-1] == 100


def test_plan_via_api_makes_a_draft_version_drivers_do_not_see(immediate_app, store):
    """POST plan → 202 + job id; the job is done with v2 (draft) and its counts; drivers keep v1."""
    client = _logged_in(immediate_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 10})
    assert answer.status_code == 202
    job = answer.json["job"]
    assert answer.headers["Location"] == f"/api/jobs/{job['id']}"
    polled = client.get(f"/api/jobs/{job['id']}").json
    assert polled["state"] == "done" and polled["progress"] == 100 and polled["words"] == "完了"
    assert job["kind"] == polled["kind"] == store.jobs.get(job["id"]).kind == "week_plan"  # the stored word
    plan = store.plans.get(WEEK)
    assert polled["result"] == {"plan_id": plan.id, "version": 2, "served": plan.summary["served"],
                                "unassigned": plan.summary["unassigned"]}
    assert plan.status == PlanStatus.DRAFT and plan.created_by == "dispatcher"
    assert store.plans.published(WEEK).version == 1
    page = client.get(f"/dispatch/jobs/{job['id']}")
    assert "第2版を作成しました" in page.text and f"/dispatch/weeks/{WEEK}/compare?version=2" in page.text


def test_a_real_job_through_the_sqlite_queue_and_a_consumer_thread(queued_app, instance, store):
    """The job waits in <instance>/jobs.db until the embedded consumer (threads) runs it."""
    client = _logged_in(queued_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 10})
    job_id = answer.json["job"]["id"]
    assert answer.status_code == 202 and answer.json["job"]["state"] == "queued"
    assert answer.json["job"]["progress"] == 0 and answer.json["job"]["words"] == "順番待ち"
    assert (instance / "jobs.db").exists()
    consumer = job_queue.start_embedded_consumer(queued_app)
    try:
        deadline = time.monotonic() + 300  # a safety net for a stuck queue, not a speed check
        while store.jobs.get(job_id).active and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        consumer.stop(graceful=True)
    done = client.get(f"/api/jobs/{job_id}").json
    assert done["state"] == "done", done
    assert done["result"]["version"] == 2 == store.plans.get(WEEK).version


def test_one_planning_job_per_week(queued_app, store):
    """A second request while the week's job is queued gets that job: API 409 with its id, the screen shows it."""
    client = _logged_in(queued_app)
    first = _api_post(client, f"/api/weeks/{WEEK}/plan")
    assert first.status_code == 202 and first.json["job"]["time_limit_s"] == 30  # the default limit
    second = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 60})
    assert second.status_code == 409
    assert second.json["job_id"] == first.json["job"]["id"] and "error" in second.json
    screen = client.post(f"/dispatch/weeks/{WEEK}/plan", data={"csrf_token": csrf_token(client)})
    assert screen.location == f"/dispatch/jobs/{first.json['job']['id']}"
    assert "この週の計画は作成中です" in client.get(screen.location).text
    board = client.get(f"/dispatch/weeks/{WEEK}")
    assert f'data-job-url="/api/jobs/{first.json["job"]["id"]}"' in board.text  # a reload shows the job
    meta = re.search(r'<p class="job-meta">(.*?)</p>', board.text, re.DOTALL).group(1)
    assert "最長 30 秒" in meta and "（改善が止まれば早く終わります）" in meta  # the limit is an upper bound
    assert "計画を作成" not in board.text and "再計画" not in board.text
    other = _api_post(client, f"/api/weeks/{WEEK + dt.timedelta(days=7)}/plan")
    assert other.status_code == 202  # another week is free


def test_a_week_without_vehicles_fails_in_staff_words(immediate_app, store):
    """No vehicle runs: the job fails with the staff message, no stack trace, and no version is stored."""
    for vehicle in store.vehicles.active():
        for i in range(7):
            store.shift_exceptions.add(ShiftException(vehicle.id, WEEK + dt.timedelta(days=i)))
    client = _logged_in(immediate_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan")
    job = client.get(f"/api/jobs/{answer.json['job']['id']}").json
    assert job["state"] == "failed" and job["error_code"] == "no_vehicles" and job["result"] is None
    assert job["error"] == job_queue.JOB_ERROR_WORDS["no_vehicles"]
    assert "Traceback" not in answer.text and "File \"" not in answer.text
    assert store.plans.get(WEEK).version == 1
    page = client.get(f"/dispatch/jobs/{job['id']}")
    assert job_queue.JOB_ERROR_WORDS["no_vehicles"] in page.text


def test_an_unexpected_failure_says_nothing_of_the_code(immediate_app, monkeypatch):
    """An error inside the planner is kept as 'internal' without its message; the next job may start."""
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals at line 42")

    monkeypatch.setattr("scheduler.planning.job_runner.plan_week", boom)
    client = _logged_in(immediate_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan")
    job = client.get(f"/api/jobs/{answer.json['job']['id']}").json
    assert job["state"] == "failed" and job["error_code"] == "internal" and job["error_detail"] is None
    assert "secret" not in answer.text + str(job)
    assert _api_post(client, f"/api/weeks/{WEEK}/plan").status_code == 202  # a failed job blocks nothing


def test_bad_input_is_a_400_naming_the_field(queued_app):
    """A time limit not offered, a bad week, an unknown job: JSON errors naming what was wrong."""
    client = _logged_in(queued_app)
    bad = _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 7})
    assert bad.status_code == 400 and bad.json["error"].startswith("time_limit_s:")
    assert _api_post(client, "/api/weeks/2026-12-01/plan").status_code == 400  # a Tuesday
    missing = client.get("/api/jobs/999")
    assert missing.status_code == 404 and "error" in missing.json
    form = client.post(f"/dispatch/weeks/{WEEK}/plan", data={"csrf_token": csrf_token(client), "time_limit_s": "x"})
    assert form.status_code == 400 and "time_limit_s" in form.text and "Traceback" not in form.text


def _second_version(store) -> int:
    """Store v2: v1 with one stop 10 minutes later and one served request dropped (unassigned)."""
    v1 = store.plans.get(WEEK, 1)
    v2 = copy.deepcopy(v1)
    v2.status = PlanStatus.DRAFT
    served = [s for s in v2.stops if s.request_id is not None and s.step_type == "visit"]
    dropped, moved = served[0].request_id, served[-1]
    moved.start_s += 600
    moved.arrival_s += 600
    moved.departure_s += 600
    v2.stops = [s for s in v2.stops if s.request_id != dropped]
    v2.unassigned = [*v2.unassigned, UnassignedRequest(request_id=dropped, reason="テストで外しました")]
    return store.plans.save(v2).version, dropped, moved.request_id


def test_compare_view_lists_the_changes_in_staff_words(client, store):
    """比較: v1 → v2 shows the newly unassigned request with its reason and the stop moved +10 分."""
    version, dropped, moved = _second_version(store)
    login(client, "operator")
    page = client.get(f"/dispatch/weeks/{WEEK}/compare?version={version}")
    assert page.status_code == 200
    assert "第1版" in page.text and "第2版" in page.text and "下書き" in page.text
    assert "新たに未割当 (1)" in page.text and "テストで外しました" in page.text
    assert "時刻の変更 (1)" in page.text and "+10分" in page.text
    labels = store.id_labels()
    assert labels.request(dropped) in page.text and labels.request(moved) in page.text
    entry = store.audit_log.latest(limit=1)[0]
    assert entry.where == "dispatch.compare" and store.requests.get(dropped).resident_id in entry.subject_ids
    first = client.get(f"/dispatch/weeks/{WEEK}/compare?version=1")
    assert "前の版がありません" in first.text


def test_publish_via_the_api(immediate_app, store):
    """Publish v2 (200, published); again: nothing changes; an older version after a newer: 409; none: 404."""
    version, _, _ = _second_version(store)
    client = _logged_in(immediate_app)
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": version})
    assert answer.status_code == 200 and answer.json["published"] is True
    assert answer.json["plan"]["status"] == "published" and store.plans.published(WEEK).version == version
    again = _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": version})
    assert again.status_code == 200 and again.json["published"] is False
    store.db.execute("UPDATE plans SET status = 'draft' WHERE version = 1")
    store.db.conn.commit()
    older = _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": 1})
    assert older.status_code == 409 and "error" in older.json
    assert _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": 9}).status_code == 404
    assert _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": "2"}).status_code == 400


def test_publish_on_the_screen_asks_and_needs_the_csrf_token(client, store):
    """The draft shows 下書き and a 公開する button with a confirmation; the form needs its CSRF token."""
    version, _, _ = _second_version(store)
    login(client, "dispatcher")
    board = client.get(f"/dispatch/weeks/{WEEK}")
    assert "下書き" in board.text and "公開する" in board.text and "data-confirm=" in board.text
    assert "再計画" in board.text and 'name="time_limit_s"' in board.text
    forged = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": str(version)})
    assert forged.status_code == 400 and store.plans.get(WEEK).status == PlanStatus.DRAFT
    # v2 drops a request v1 served: worse, so the form needs its tick box (board: 計画から外れる依頼 1)
    assert "計画から外れる依頼 1" in board.text
    done = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": str(version), "confirm_worse": "1",
                                                               "csrf_token": csrf_token(client)})
    assert done.status_code == 302 and store.plans.published(WEEK).version == version
    assert "第2版を公開しました" in client.get(done.location).text


def test_operators_watch_but_do_not_plan_or_publish(queued_app, store):
    """Operators see the board without the buttons and get 403 on planning and publishing; drivers too."""
    version, _, _ = _second_version(store)
    for name in ("operator", "driver1"):
        client = _logged_in(queued_app, name)
        assert _api_post(client, f"/api/weeks/{WEEK}/plan").status_code == 403
        assert _api_post(client, f"/api/weeks/{WEEK}/plan/publish", {"version": version}).status_code == 403
        form = client.post(f"/dispatch/weeks/{WEEK}/publish", data={"version": str(version),
                                                                   "csrf_token": csrf_token(client)})
        assert form.status_code == 403
    board = _logged_in(queued_app, "operator").get(f"/dispatch/weeks/{WEEK}")
    assert "公開する" not in board.text and "再計画" not in board.text
    assert store.plans.get(WEEK).status == PlanStatus.DRAFT and store.jobs.active(WEEK) is None


def test_job_words_have_english(queued_app):
    """Every phase, state and error word of a job has its English, and the API speaks the user's language."""
    with queued_app.test_request_context("/"):
        session["lang"] = "en"
        for words in (job_queue.PHASE_WORDS.values(), job_queue.STATE_WORDS.values(), job_queue.JOB_ERROR_WORDS.values()):
            assert all(gettext(w) != w for w in words)
    client = _logged_in(queued_app)
    client.get("/lang/en")
    answer = _api_post(client, f"/api/weeks/{WEEK}/plan")
    assert answer.json["job"]["words"] == "Waiting"


def test_a_job_plans_the_week_as_of_when_the_dispatcher_asked_on_the_apps_clock(immediate_app, store):
    """The queued job plans on the app's clock (its time zone or fixed ODEKAKE_NOW), not the worker's:
    the version it stores was made at the tests' fixed time."""
    client = _logged_in(immediate_app)
    assert _api_post(client, f"/api/weeks/{WEEK}/plan", {"time_limit_s": 30}).status_code == 202
    assert store.plans.get(WEEK).created_at == dt.datetime.fromisoformat(TEST_CONFIG["ODEKAKE_NOW"])
