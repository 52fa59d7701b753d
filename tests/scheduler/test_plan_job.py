"""Planning jobs in the store: one active job per week, a job left running by a stopped process expires."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from scheduler.plan_job import STALE_AFTER_S, JobState, PlanJob
from scheduler.store import Store

WEEK = dt.date(2026, 11, 30)


def _job(**kw) -> PlanJob:
    return PlanJob(week_start=WEEK, created_by="sato", time_limit_s=30, **kw)


def test_one_active_job_per_week():
    """While a week's job is queued, add_job hands back that job; a finished one frees the week."""
    with Store.open() as store:
        first, created = store.add_job(_job())
        again, created_again = store.add_job(_job())
        assert created and not created_again and again.id == first.id
        _other, created_other = store.add_job(PlanJob(week_start=WEEK + dt.timedelta(days=7), created_by="x",
                                                     time_limit_s=30))
        assert created_other
        first.state = JobState.DONE
        store.jobs.update(first)
        assert store.add_job(_job())[1]


def test_the_database_itself_refuses_a_second_active_job():
    """The partial unique index keeps one queued/running job per week even past add_job (two processes)."""
    with Store.open() as store:
        store.add_job(_job())
        with pytest.raises(sqlite3.IntegrityError):
            store.db["jobs"].insert({**store.db["jobs"].get(1), "id": 2})


def test_a_job_left_running_expires_as_interrupted():
    """Running longer than its time limit plus STALE_AFTER_S: marked failed 'interrupted', the week is free."""
    started = dt.datetime(2026, 11, 30, 9, 0)
    with Store.open() as store:
        job, _ = store.add_job(_job())
        job.state, job.started_at = JobState.RUNNING, started
        store.jobs.update(job)
        soon = started + dt.timedelta(seconds=30 + STALE_AFTER_S - 1)
        assert not store.add_job(_job(), now=soon)[1]  # still plausibly running
        late = started + dt.timedelta(seconds=30 + STALE_AFTER_S + 1)
        new, created = store.add_job(_job(), now=late)
        assert created and new.id != job.id
        old = store.jobs.get(job.id)
        assert old.state == JobState.FAILED and old.error_code == "interrupted"
