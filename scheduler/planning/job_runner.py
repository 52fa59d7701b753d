"""Run a stored job (`scheduler.plan_job.PlanJob`): plan its week, or re-plan its days, recording phases and result.

A day job (re-plan a day, an outage, a closed road) runs `scheduler.planning.replan_jobs.run_day_job`
and keeps its result in the job's ``result``; the phases are the same.

A task queue calls `run_plan_job` with the job's id (the web app uses huey,
``webapp/job_queue.py``); everything the job needs is in its row, so any worker
process can run it. A failure is kept as a code of `scheduler.plan_job.JOB_ERRORS`
plus the planner's message (ids, never a stack trace); the log says which job
failed and why in the same terms, never residents' data.

The job's own row is written while the week is busy with other writers
(bookings, the audit log), and none of those writes may cost the plan:

- a progress report (the solver's best plan so far, at most twice a second,
  from inside the search) waits at most `PROGRESS_WAIT_S` for the write lock
  and is skipped when it is busy: the next report carries newer counts;
- a phase change waits at most `PHASE_WAIT_S` and is skipped likewise
  (the log says so);
- the end (done with its plan version, or failed with a code) is tried
  `END_TRIES` times, each waiting the store's busy timeout.

Each is one short ``BEGIN IMMEDIATE`` update of the job's row; the solve runs
outside any transaction (`scheduler.planning.run.plan_week`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from routing.errors import InputError
from scheduler.clock import stamp_now
from scheduler.compiler import NoShiftsError
from scheduler.matrices import MatrixProvider
from scheduler.plan_job import DAY_JOB_KINDS, JobPhase, JobState, PlanJob
from scheduler.planning.replan_jobs import run_day_job
from scheduler.planning.run import PlanningError, SolveProgress, plan_week
from scheduler.store.errors import is_busy
from scheduler.vrp.params import SolveParams

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["END_TRIES", "PHASE_WAIT_S", "PROGRESS_WAIT_S", "run_plan_job"]

log = logging.getLogger(__name__)

#: Seconds a progress report waits for the write lock before it is skipped.
PROGRESS_WAIT_S = 0.25
#: Seconds a phase change waits for the write lock before it is skipped.
PHASE_WAIT_S = 2.0
#: Tries of the job's final write (done or failed), each waiting the store's busy timeout.
END_TRIES = 6


def _save(store: Store, job: PlanJob, *, wait_s: float | None) -> bool:
    """Write the job's row, waiting at most `wait_s` for the write lock (None: the busy timeout).

    Returns False when the database stayed busy (or failed to write); the job goes on.
    """
    try:
        if wait_s is None:
            store.jobs.update(job)
        else:
            with store.waiting_at_most(wait_s):
                store.jobs.update(job)
    except sqlite3.Error as exc:
        if not is_busy(exc):
            log.warning("job %s: its row was not written (%s)", job.id, exc)
        return False
    return True


def _save_end(store: Store, job: PlanJob) -> PlanJob:
    """Write the job's end, trying `END_TRIES` times; raise the last error if the database never let it."""
    for attempt in range(1, END_TRIES + 1):
        try:
            return store.jobs.update(job)
        except sqlite3.OperationalError as exc:  # busy, or a disk that may come back; anything else is a bug
            if attempt == END_TRIES:
                log.error("job %s (week %s): its end (%s) could not be written after %d tries (%s); it is "
                          "marked interrupted once stale", job.id, job.week_start, job.state.value, attempt, exc)
                raise
            log.warning("job %s: its end not written yet (%s); trying again", job.id, exc)
            time.sleep(min(2.0 * attempt, 10.0))
    raise AssertionError  # unreachable



def _failure(exc: Exception) -> tuple[str, str]:
    """Return the error code and the message kept for staff."""
    if isinstance(exc, NoShiftsError):
        return "no_vehicles", str(exc)
    if isinstance(exc, PlanningError):
        return "no_plan", str(exc)
    if isinstance(exc, InputError):
        return "bad_data", str(exc)
    return "internal", ""


def run_plan_job(store: Store, network: MatrixProvider | Callable[[], MatrixProvider], job_id: int, *,
                 now: dt.datetime | None = None) -> PlanJob:
    """Plan the job's week (or re-plan its days) with its parameters; keep its phases and result or failure.

    Parameters
    ----------
    store
        An open `scheduler.store.Store` (the one holding the job).
    network
        The matrix provider (`routing.network.RoadNetwork`), or a function returning it: it is
        then called once the job shows as running (loading a road graph takes seconds).
    job_id
        The queued job.
    now
        Planning time (tests); default: now.

    Returns
    -------
    PlanJob
        The job as stored at the end: ``done`` with the plan version and counts, or
        ``failed`` with an error code. A job that is no longer queued (a task
        delivered twice) is returned as it is, not run again.
    """
    job = store.jobs.get(job_id)
    if job.state != JobState.QUEUED:
        log.warning("job %s is %s, not queued: not run again", job_id, job.state.value)
        return job
    job.state, job.started_at = JobState.RUNNING, stamp_now()

    skipped = {"progress": 0}

    def enter(phase: str) -> None:
        if job.phase != JobPhase(phase):
            job.phase, job.phase_started_at = JobPhase(phase), stamp_now()
            if not _save(store, job, wait_s=PHASE_WAIT_S):  # shown late or not at all; the plan goes on
                log.warning("job %s: phase %s not recorded (database busy)", job_id, phase)

    def found(progress: SolveProgress) -> None:
        job.found_served, job.found_unassigned = progress.served, progress.unassigned
        job.found_promises_kept, job.found_promised = progress.promises_kept, progress.promised
        job.expected_solve_s = progress.expected_solve_s
        # progress is a courtesy: a busy database must neither stop nor slow the search
        if not _save(store, job, wait_s=PROGRESS_WAIT_S):
            skipped["progress"] += 1

    try:
        enter("compile")
        if callable(network):
            network = network()
        if job.kind in DAY_JOB_KINDS:
            plan, job.result = run_day_job(store, network, job, on_phase=enter)
        else:
            plan = plan_week(store, network, job.week_start, params=SolveParams.from_dict(job.params),
                             user=job.created_by, now=now, on_phase=enter, on_progress=found).plan
    except Exception as exc:  # the job must end failed whatever went wrong, and say why in staff terms
        job.error_code, job.error_detail = _failure(exc)
        if job.error_code == "internal":
            log.exception("job %s (week %s) failed unexpectedly", job_id, job.week_start)
        else:
            log.warning("job %s (week %s) failed: %s", job_id, job.week_start, job.error_code)
        job.state = JobState.FAILED
    else:
        if plan is not None:  # a day job may have had no published day to re-plan
            job.plan_id, job.plan_version = plan.id, plan.version
            job.served, job.unassigned = plan.summary.get("served", 0), plan.summary.get("unassigned", 0)
        job.state = JobState.DONE
        log.info("job %s (%s, week %s) done: v%s", job_id, job.kind, job.week_start, job.plan_version)
    if skipped["progress"]:
        log.info("job %s: %d progress reports not recorded (database busy)", job_id, skipped["progress"])
    job.finished_at = stamp_now()
    return _save_end(store, job)
