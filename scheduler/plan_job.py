"""Background jobs as plain data: a planning job's state, phase and progress (no queue, no framework).

The web app puts the job in a task queue (huey, ``webapp/job_queue.py``) and keeps
its state in the ``jobs`` table (`scheduler.store.Store.add_job`), so any
process can read it: the page that started it, a reload, the API. The work
itself is `scheduler.planning.job_runner.run_plan_job`.

Progress is worked out from the phase when it is read (`PlanJob.progress`).
While the solver searches it reports its best plan so far
(`scheduler.vrp.solver.Progress`): the job keeps that plan's counts
(``found_*``: requests served and left out, promises kept) and when the
search is expected to end (``expected_solve_s``: the time limit, or sooner
once the early stop's deadline is known), and the solve phase counts the
time spent against that.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from scheduler.clock import stamp_now
from scheduler.domain import DomainError

__all__ = ["DAY_JOB_KINDS", "JOB_ERRORS", "JOB_KINDS", "STALE_AFTER_S", "JobPhase", "JobState", "PlanJob"]


class JobState(str, enum.Enum):
    """Where a job is in its life: queued → running → done | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobPhase(str, enum.Enum):
    """The step a running planning job is in (staff read 準備中 / 計画中 / 保存中)."""

    COMPILE = "compile"
    SOLVE = "solve"
    STORE = "store"


#: What a job does: plan a week, or re-plan days (the rest of a day, a van out of service, a closed road).
JOB_KINDS = ("week_plan", "day_replan", "outage", "closure")
#: The kinds that hold days: one active job per day among them (`scheduler.store.Store.add_job`).
DAY_JOB_KINDS = frozenset(JOB_KINDS[1:])

#: The closed set of `PlanJob.error_code` values (staff words are made from them at the edge).
JOB_ERRORS = frozenset({"no_vehicles", "bad_data", "no_plan", "interrupted", "internal"})

#: A job still running this long after its time limit was left behind by a stopped process.
STALE_AFTER_S = 15 * 60

#: Progress (0–100) at the start of each phase; the solve phase fills the span up to STORE.
_PHASE_START = {JobPhase.COMPILE: 5, JobPhase.SOLVE: 10, JobPhase.STORE: 95}



@dataclass
class PlanJob:
    """One request to plan a week (or re-plan days) in the background, and what came of it.

    Parameters
    ----------
    week_start
        The Monday of the week to plan (a day job: of its first day).
    created_by
        The staff login that asked.
    time_limit_s
        Seconds the solver may search.
    params
        The full solve parameters (`scheduler.vrp.params.SolveParams.to_dict`).
    state, phase, phase_started_at
        Where the job is; the phase only while running.
    plan_id, plan_version, served, unassigned
        The result once done.
    error_code, error_detail
        Why it failed: a code of `JOB_ERRORS` and the planner's message (ids only, no stack trace).
    found_served, found_unassigned, found_promises_kept, found_promised
        While solving: the best plan so far, in requests (None until the solver reports one).
    expected_solve_s
        While solving: seconds from the solve phase's start to its expected end (None: the time limit).
    kind
        One of `JOB_KINDS`: ``week_plan``, or a day job (`DAY_JOB_KINDS`).
    days
        The days a day job re-plans (one active day job per day); none for a week plan.
    args
        What a day job needs beyond its days (`scheduler.planning.replan_jobs`): the city's now, the outage...
    result
        A day job's result once done (the versions made, who moves, whom to phone; ids only).
    """

    week_start: dt.date
    created_by: str
    time_limit_s: float
    params: dict = field(default_factory=dict)
    state: JobState = JobState.QUEUED
    phase: JobPhase | None = None
    created_at: dt.datetime = field(default_factory=stamp_now)
    started_at: dt.datetime | None = None
    phase_started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    plan_id: int | None = None
    plan_version: int | None = None
    served: int | None = None
    unassigned: int | None = None
    error_code: str | None = None
    error_detail: str = ""
    found_served: int | None = None
    found_unassigned: int | None = None
    found_promises_kept: int | None = None
    found_promised: int | None = None
    expected_solve_s: float | None = None
    kind: str = "week_plan"
    days: tuple[dt.date, ...] = ()
    args: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        self.state = JobState(self.state)
        self.phase = None if self.phase is None else JobPhase(self.phase)
        if self.week_start.weekday() != 0:
            raise DomainError(f"week_start: {self.week_start} is not a Monday")
        if not self.time_limit_s > 0:
            raise DomainError(f"time_limit_s: expected a positive number, got {self.time_limit_s!r}")
        if self.kind not in JOB_KINDS:
            raise DomainError(f"kind: {self.kind!r} is not one of {list(JOB_KINDS)}")
        self.days = tuple(sorted(set(self.days)))
        if (self.kind in DAY_JOB_KINDS) != bool(self.days):
            raise DomainError(f"days: a {self.kind} job {'needs' if self.kind in DAY_JOB_KINDS else 'has no'} days")
        if self.error_code is not None and self.error_code not in JOB_ERRORS:
            raise DomainError(f"error_code: {self.error_code!r} is not one of {sorted(JOB_ERRORS)}")

    @property
    def active(self) -> bool:
        """Whether the job is still queued or running (one active week plan per week, day job per day)."""
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    def progress(self, now: dt.datetime | None = None) -> int:
        """Return how far the job is, 0–100: by phase, and within the solve by time against its expected end.

        The expected end is the time limit until the solver reports its early
        stop's deadline (`scheduler.vrp.solver.Progress`), never beyond the
        limit. A real improvement moves the deadline later, so the value can
        step back a little; the page's bar (``jobs.js``) never shows less
        than it has shown.
        """
        if self.state == JobState.DONE:
            return 100
        if self.state == JobState.QUEUED or self.phase is None:
            return 0
        start = _PHASE_START[self.phase]
        if self.phase != JobPhase.SOLVE or self.phase_started_at is None:
            return start
        elapsed = max(0.0, ((now or stamp_now()) - self.phase_started_at).total_seconds())
        span = _PHASE_START[JobPhase.STORE] - start - 1  # never 95 before the solve has ended
        expected = min(self.time_limit_s, self.expected_solve_s or self.time_limit_s)
        return start + int(span * min(1.0, elapsed / expected))
