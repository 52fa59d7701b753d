"""Run a stored planning job (`scheduler.jobs.PlanJob`): plan its week and record each phase and the result.

A task queue calls `run_plan_job` with the job's id (the web app uses huey,
``webapp/jobs.py``); everything the job needs is in its row, so any worker
process can run it. A failure is kept as a code of `scheduler.jobs.JOB_ERRORS`
plus the planner's message (ids, never a stack trace); the log says which job
failed and why in the same terms, never residents' data.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from routing.errors import InputError
from scheduler.compiler import MatrixProvider, NoShiftsError
from scheduler.jobs import JobPhase, JobState, PlanJob
from scheduler.planning.run import PlanningError, SolveProgress, plan_week
from scheduler.vrp.params import SolveParams

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["run_plan_job"]

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


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
    """Plan the job's week with its parameters; keep its phases and its result or failure in the store.

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
    job = store.get_job(job_id)
    if job.state != JobState.QUEUED:
        log.warning("job %s is %s, not queued: not run again", job_id, job.state.value)
        return job
    job.state, job.started_at = JobState.RUNNING, _now()

    def enter(phase: str) -> None:
        if job.phase != JobPhase(phase):
            job.phase, job.phase_started_at = JobPhase(phase), _now()
            store.update_job(job)

    def found(progress: SolveProgress) -> None:
        job.found_served, job.found_unassigned = progress.served, progress.unassigned
        job.found_promises_kept, job.found_promised = progress.promises_kept, progress.promised
        job.expected_solve_s = progress.expected_solve_s
        try:
            store.update_job(job)
        except sqlite3.Error as exc:  # progress is a courtesy: a busy database must not stop the plan
            log.warning("job %s: progress not recorded (%s)", job_id, exc)

    try:
        enter("compile")
        if callable(network):
            network = network()
        result = plan_week(store, network, job.week_start, params=SolveParams.from_dict(job.params),
                           user=job.created_by, now=now, on_phase=enter, on_progress=found)
    except Exception as exc:  # the job must end failed whatever went wrong, and say why in staff terms
        job.error_code, job.error_detail = _failure(exc)
        if job.error_code == "internal":
            log.exception("job %s (week %s) failed unexpectedly", job_id, job.week_start)
        else:
            log.warning("job %s (week %s) failed: %s", job_id, job.week_start, job.error_code)
        job.state = JobState.FAILED
    else:
        plan = result.plan
        job.plan_id, job.plan_version = plan.id, plan.version
        job.served, job.unassigned = plan.summary.get("served", 0), plan.summary.get("unassigned", 0)
        job.state = JobState.DONE
        log.info("job %s (week %s) done: v%s", job_id, job.week_start, plan.version)
    job.finished_at = _now()
    return store.update_job(job)
