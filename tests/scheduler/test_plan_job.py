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


def test_day_jobs_hold_their_days_not_the_week():
    """A day job (re-plan, outage, closure) is refused only by an active day job on one of its days."""
    from scheduler.domain import DomainError

    tue, wed, thu = (WEEK + dt.timedelta(days=k) for k in (1, 2, 3))
    with Store.open() as store:
        week_job, _ = store.add_job(_job())
        outage, created = store.add_job(_job(kind="outage", days=(wed, tue)))
        assert created and outage.days == (tue, wed)  # sorted; the week's planning job is not in its way
        replan, created = store.add_job(_job(kind="day_replan", days=(wed,)))
        assert (replan.id, created) == (outage.id, False)
        _closure, created = store.add_job(_job(kind="closure", days=(thu,)))
        assert created
        outage.state = JobState.FAILED
        store.jobs.update(outage)
        assert store.add_job(_job(kind="day_replan", days=(wed,)))[1]
        assert store.jobs.active(WEEK).id == week_job.id
    for bad in ({"kind": "replan"}, {"kind": "day_replan"}, {"days": (tue,)}):
        with pytest.raises(DomainError):
            _job(**bad)
