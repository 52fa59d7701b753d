"""A planning job's own writes never fail the job nor hold up its search while another connection writes."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from types import SimpleNamespace

from scheduler.plan_job import JobState, PlanJob
from scheduler.planning import job_runner as job_module
from scheduler.planning.run import SolveProgress
from scheduler.store import Store, is_busy
from scheduler.store.tables import Jobs

WEEK = dt.date(2026, 11, 30)


@contextlib.contextmanager
def write_lock(path):
    """Hold the database's write lock from another connection (as a booking or a plan being stored does)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("COMMIT")
        conn.close()


def test_is_busy_tells_a_locked_database_from_other_errors(tmp_path):
    """The store's "database is locked" is busy (try again); a bad statement is not."""
    path = tmp_path / "odekake.db"
    with Store.open(path) as store, write_lock(path), store.waiting_at_most(0.05):
        try:
            store.db.execute("INSERT INTO audit_log (at, user, action, subject, subject_ids, where_) "
                             "VALUES ('2026-12-01T09:00:00', 'x', 'view', 'resident', '[]', '')")
        except sqlite3.OperationalError as exc:
            assert is_busy(exc)
        else:
            raise AssertionError("the insert should have found the database locked")
    assert not is_busy(sqlite3.OperationalError("no such table: nothing"))
    assert not is_busy(ValueError("database is locked"))


def test_progress_and_phases_are_skipped_while_busy_and_the_job_still_ends_done(tmp_path, monkeypatch):
    """Progress and phase writes wait a moment, then let go; the search is not held up; the end is written."""
    path = tmp_path / "odekake.db"
    monkeypatch.setattr(job_module, "PHASE_WAIT_S", 0.1)
    seen: dict[str, float] = {}

    def plan_week(store, network, week, *, params, user, now, on_phase, on_progress):
        with write_lock(path):
            started = time.perf_counter()
            on_phase("solve")
            for served in range(5):
                on_progress(SolveProgress(served=served, unassigned=10 - served, promises_kept=0, promised=0,
                                          expected_solve_s=30))
            seen["held_up_s"] = time.perf_counter() - started
        plan = SimpleNamespace(id=None, version=3, summary={"served": 9, "unassigned": 1})
        return SimpleNamespace(plan=plan)

    monkeypatch.setattr(job_module, "plan_week", plan_week)
    with Store.open(path) as store:
        job, _ = store.add_job(PlanJob(week_start=WEEK, created_by="sato", time_limit_s=30))
        done = job_module.run_plan_job(store, object(), job.id)
        assert seen["held_up_s"] < 5 * job_module.PROGRESS_WAIT_S + job_module.PHASE_WAIT_S + 1.0
        assert done.state == JobState.DONE and (done.plan_version, done.served) == (3, 9)
        stored = store.jobs.get(job.id)
        assert stored.state == JobState.DONE and stored.found_served == 4  # the end carries the last counts


def test_the_end_of_a_job_waits_out_a_long_write(tmp_path, monkeypatch):
    """A job's end is tried again while another connection holds the lock longer than the busy timeout."""
    path = tmp_path / "odekake.db"
    monkeypatch.setattr("scheduler.store.store.BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(job_module.time, "sleep", lambda _s: None)
    with Store.open(path) as store:
        job, _ = store.add_job(PlanJob(week_start=WEEK, created_by="sato", time_limit_s=30))
        job.state = JobState.DONE
        tries = []
        update = Jobs.update

        def update_job(jobs, j):
            tries.append(1)
            if len(tries) < 3:  # the first two tries find the database locked
                with write_lock(path):
                    return update(jobs, j)
            return update(jobs, j)

        monkeypatch.setattr(Jobs, "update", update_job)
        assert job_module._save_end(store, job).state == JobState.DONE
        assert len(tries) == 3
