"""Tests of scheduler.store.migrations: empty → latest, upgrade keeps data, re-running is a no-op."""

from __future__ import annotations

import json

import sqlite_utils

from scheduler.domain import DEFAULT_SERVICES
from scheduler.store import Store
from scheduler.store.migrations import MIGRATION_NAMES, applied, migrate, schema_version


def _snapshot(db: sqlite_utils.Database) -> tuple:
    """Return the schema and every row of every table, to compare two states."""
    schema = sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)
    rows = {
        name: sorted(map(str, db.execute(f"SELECT * FROM [{name}]").fetchall()))
        for name in db.table_names()
    }
    return schema, rows


def test_empty_database_migrates_to_latest():
    """A new database gets every migration, the core tables and the seeded service catalogue."""
    db = sqlite_utils.Database(memory=True)
    assert schema_version(db) == 0
    assert migrate(db) == list(MIGRATION_NAMES)
    assert len(MIGRATION_NAMES) >= 2
    assert applied(db) == list(MIGRATION_NAMES)
    for table in ("residents", "sites", "vehicles", "requests", "request_events", "plans",
                  "plan_stops", "plan_unassigned", "session_bookings", "services"):
        assert db[table].exists(), table
    assert [r["code"] for r in db.query("SELECT code FROM services ORDER BY rowid")] == [
        s.code for s in DEFAULT_SERVICES]


def test_running_migrations_twice_changes_nothing():
    """A second migrate() applies nothing and leaves schema and rows identical."""
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    before = _snapshot(db)
    assert migrate(db) == []
    assert _snapshot(db) == before


def test_version_1_database_with_data_upgrades_and_keeps_it(tmp_path):
    """A file built at version 1 with a resident and a request upgrades to latest, data intact.

    Migration 2 adds ``residents.phone_digits``; the old row gets it filled
    (0246-22-1111 → 0246221111) so phone search finds it after the upgrade.
    """
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before=MIGRATION_NAMES[1])
    assert applied(db) == [MIGRATION_NAMES[0]]
    assert not db["plans"].exists()
    db["residents"].insert({"name": "山田 花子", "kana": "ヤマダ ハナコ", "phone": "0246-22-1111",
                            "address": "いわき市川前町1", "lat": 37.21, "lon": 140.79, "external_id": "R1"})
    db["requests"].insert({"kind": "visit", "resident_id": 1, "status": "received",
                           "details": '{"services": ["residence_certificate"]}',
                           "received_at": "2026-11-20T09:15:00", "external_id": "Q1"})
    db.close()

    with Store.open(path) as store:
        assert schema_version(store.db) == len(MIGRATION_NAMES)
        resident = store.residents.get(1)
        assert (resident.name, resident.external_id, resident.lat) == ("山田 花子", "R1", 37.21)
        assert store.requests.get(1).details.services == ("residence_certificate",)
        assert [r.id for r in store.residents.find("22-1111")] == [1]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_a_file_database_keeps_rows_and_version(tmp_path):
    """Opening the same file twice runs no migration again and keeps what was stored."""
    path = tmp_path / "instance" / "odekake.db"
    with Store.open(path) as store:
        before = _snapshot(store.db)
    with Store.open(path) as store:
        assert _snapshot(store.db) == before


def test_single_span_opening_hours_become_interval_lists(tmp_path):
    """Migration 0003 rewrites {"1": [open, close]} as {"1": [[open, close]]}; the site reads back the same hours."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0003_opening_hours_intervals")
    db["sites"].insert({"name": "診療所", "kind": "clinic", "lat": 37.1, "lon": 140.7,
                        "opening_hours": '{"1": [32400, 43200], "5": [32400, 39600]}'})
    db.close()
    with Store.open(path) as store:
        stored = store.db.execute("SELECT opening_hours FROM sites").fetchone()[0]
        assert json.loads(stored) == {"1": [[32400, 43200]], "5": [[32400, 39600]]}
        assert store.sites.get(1).opening_hours == {1: ((32400, 43200),), 5: ((32400, 39600),)}


def test_seats_booked_before_cancellation_existed_stay_active(tmp_path):
    """Migration 0007 adds when, why and by whom a seat was cancelled; a seat stored before stays active."""
    import datetime as dt

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0007_seat_cancellation")
    db["residents"].insert({"name": "山田 花子", "lat": 37.21, "lon": 140.79})
    db["sites"].insert({"name": "公民館", "kind": "community_hall", "lat": 37.1, "lon": 140.7})
    db["requests"].insert({"kind": "session", "status": "received", "received_at": "2026-11-20T09:15:00",
                           "details": '{"site_id": 1, "rule": {"frequency": "weekly", "weekday": 1}}'})
    db["session_bookings"].insert({"session_request_id": 1, "resident_id": 1, "day": "2026-12-01",
                                   "services": '["consultation"]'})
    db.close()
    with Store.open(path) as store:
        (seat,) = store.session_bookings.find(session_request_id=1, day=dt.date(2026, 12, 1))
        assert (seat.cancelled, seat.cancel_reason, seat.cancelled_by) == (False, "", "")


def test_events_stored_before_causes_keep_their_note_and_have_no_cause(tmp_path):
    """Migration 0008 adds the cause columns; an event written before reads back with its note and no cause."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0008_event_causes")
    db["residents"].insert({"name": "山田 花子", "lat": 37.21, "lon": 140.79})
    db["requests"].insert({"kind": "visit", "status": "planned", "received_at": "2026-11-20T09:15:00",
                           "resident_id": 1, "details": '{"services": ["tax_certificate"]}'})
    db["request_events"].insert({"request_id": 1, "at": "2026-11-21T10:00:00", "user": "planner",
                                 "from_status": "received", "to_status": "planned", "note": "plan 2026-11-30 v1"})
    db.close()
    with Store.open(path) as store:
        (event,) = store.request_events.of_request(1)
        assert (event.note, event.cause, event.cause_args) == ("plan 2026-11-30 v1", None, {})


def test_jobs_stored_before_progress_have_none_and_count_by_time(tmp_path):
    """Migration 0009 adds the best-plan-so-far columns; a job written before reads back without them."""
    import datetime as dt

    from scheduler.plan_job import JobPhase, JobState

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0009_job_progress")
    db["jobs"].insert({"week_start": "2026-11-30", "created_by": "planner", "time_limit_s": 20, "state": "running",
                       "phase": "solve", "created_at": "2026-11-30T09:00:00", "started_at": "2026-11-30T09:00:00",
                       "phase_started_at": "2026-11-30T09:00:01"})
    db.close()
    with Store.open(path) as store:
        job = store.jobs.get(1)
        assert (job.state, job.phase) == (JobState.RUNNING, JobPhase.SOLVE)
        assert (job.found_served, job.found_unassigned, job.found_promises_kept, job.found_promised,
                job.expected_solve_s) == (None,) * 5
        assert job.progress(dt.datetime(2026, 11, 30, 9, 0, 11)) == 10 + 84 // 2  # by time against the limit


def test_tokens_made_before_they_had_an_end_get_one_90_days_after_the_upgrade(tmp_path, monkeypatch):
    """Migration 0010 gives older tokens an end (the city's clock at the upgrade + 90 days); nothing else changes."""
    import datetime as dt

    monkeypatch.setenv("ODEKAKE_NOW", "2026-12-01T08:30")
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0010_login_sessions_token_ends_login_limits")
    db["users"].insert({"login": "sato", "role": "dispatcher", "created_at": "2026-01-05T10:00:00"})
    db["api_tokens"].insert({"user_id": 1, "token_sha256": "a" * 64, "created_at": "2026-01-05T10:00:00"})
    db.close()
    with Store.open(path) as store:
        (token,) = store.api_tokens.of_user(1)
        assert token.expires_at == dt.datetime(2027, 3, 1, 8, 30)
        assert token.state(dt.datetime(2026, 12, 1, 8, 30)) == "active" and token.revoked_at is None
        assert store.login_sessions.all() == [] and store.audit_log.latest() == []


def test_jobs_stored_before_job_kinds_read_as_week_plans_and_still_hold_their_week(tmp_path):
    """Migration 0016: an older job is a week plan with no days; its week keeps one active plan, days are free."""
    import datetime as dt

    from scheduler.plan_job import PlanJob

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, stop_before="0016_job_kinds")
    db["jobs"].insert({"week_start": "2026-11-30", "created_by": "planner", "time_limit_s": 20, "state": "queued",
                       "created_at": "2026-11-30T09:00:00"})
    db.close()
    week, day = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    with Store.open(path) as store:
        old = store.jobs.get(1)
        assert (old.kind, old.days, old.args, old.result) == ("week_plan", (), {}, {})
        assert store.jobs.active(week).id == 1
        again, created = store.add_job(PlanJob(week_start=week, created_by="x", time_limit_s=20))
        assert (again.id, created) == (1, False)
        day_job, created = store.add_job(PlanJob(week_start=week, created_by="x", time_limit_s=10, kind="day_replan",
                                                 days=(day,), args={"now": "2026-12-01T11:00"}))
        assert created and store.jobs.get(day_job.id).days == (day,)
        outage = PlanJob(week_start=week, created_by="y", time_limit_s=10, kind="outage", days=(day, day + dt.timedelta(1)))
        assert store.add_job(outage) == (store.jobs.get(day_job.id), False)  # overlapping days: the job in the way
