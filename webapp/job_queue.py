"""Background planning jobs for the web app: huey as the task queue, the job's state in the ``jobs`` table.

Planning a week takes longer than a request may (the solver searches up to
its time limit), so the dispatcher's button only queues a job
(`start_planning`) and the page follows its progress (``GET /api/jobs/<id>``).
Re-planning days (the rest of a day, a van out of service, a closed road) is
queued the same way (`start_day_job`), one job per day at a time.

- The queue is huey: by default ``SqliteHuey`` in ``<instance>/jobs.db`` (no
  server needed); a larger deployment sets ``ODEKAKE_JOBS_QUEUE = "redis"``
  and ``ODEKAKE_JOBS_REDIS_URL`` in ``<instance>/webapp.py`` (``RedisHuey``,
  the same API; ``pip install redis``) and runs ``odekake worker`` beside
  the web server. Tests set ``ODEKAKE_JOBS_IMMEDIATE`` (the job runs inside
  the request).
- ``odekake serve`` starts a consumer in its own process (threads,
  `start_embedded_consumer`), so one command serves pages and runs jobs;
  ``odekake worker`` runs the consumer alone.
- The queue carries only the instance folder and the job id; the state,
  phase, progress and result live in the odekake database
  (`scheduler.plan_job.PlanJob`), read by any process. One planning job per week
  and one day job per day at a time: the database refuses a second active one
  (`scheduler.store.Store.add_job`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer

from routing.errors import InputError
from scheduler.domain import week_monday
from scheduler.plan_job import JobPhase, JobState, PlanJob
from scheduler.planning.job_runner import run_plan_job
from scheduler.store import Store
from scheduler.vrp.params import SolveParams
from webapp import clock
from webapp.i18n import N_

__all__ = ["DAY_JOB_TITLES", "JOB_ERROR_WORDS", "PHASE_WORDS", "STATE_WORDS", "create_consumer", "found_words", "init_app",
           "job_json", "job_words", "start_day_job", "start_embedded_consumer", "start_planning", "time_limit_choices"]

log = logging.getLogger(__name__)

#: File of the default (SQLite) queue in the instance folder.
QUEUE_FILE = "jobs.db"
#: Staff words of each phase of a running job (UI.md).
PHASE_WORDS = {JobPhase.COMPILE: N_("準備中"), JobPhase.SOLVE: N_("計画中"), JobPhase.STORE: N_("保存中")}
#: Staff words of a job's state (a running job shows its phase instead).
STATE_WORDS = {JobState.QUEUED: N_("順番待ち"), JobState.RUNNING: N_("計画中"), JobState.DONE: N_("完了"),
               JobState.FAILED: N_("失敗")}
#: Staff words naming each day job (a page's title, the progress box).
DAY_JOB_TITLES = {"day_replan": N_("残りの再計画"), "outage": N_("運休の再計画"), "closure": N_("通行止めの再計画")}
#: Staff words of each error code of `scheduler.plan_job.JOB_ERRORS`.
JOB_ERROR_WORDS = {
    "no_vehicles": N_("この週に運行できる車両がありません。車両と運休の設定を確認してください"),
    "bad_data": N_("登録データに誤りがあるため計画できませんでした。内容を確認してください"),
    "no_plan": N_("時間内に計画が見つかりませんでした。計画時間を長くしてもう一度お試しください"),
    "interrupted": N_("計画が途中で止まりました（サーバーの再起動など）。もう一度計画を作成してください"),
    "internal": N_("計画中に問題が起きました。時間をおいてもう一度お試しください"),
}


def _plan_task(instance: str, job_id: int, asked_at: str | None = None) -> None:
    """The queued task: run one planning job of an instance (huey calls it in a worker).

    `asked_at` is the city's time when the dispatcher asked (`webapp.clock.now`, ISO text): the
    week is planned as of then, on the app's clock (its time zone, or its fixed ``ODEKAKE_NOW``),
    not the worker's.
    """
    from webapp.db import network_for_instance

    now = dt.datetime.fromisoformat(asked_at) if asked_at else None
    with Store.for_instance(Path(instance)) as store:
        run_plan_job(store, lambda: network_for_instance(instance), job_id, now=now)


def _make_huey(app: Flask) -> SqliteHuey | RedisHuey:
    config = app.config
    options: dict[str, Any] = {"results": False, "immediate": bool(config["ODEKAKE_JOBS_IMMEDIATE"])}
    kind = config["ODEKAKE_JOBS_QUEUE"]
    if kind == "redis":
        return RedisHuey("odekake", url=config["ODEKAKE_JOBS_REDIS_URL"], **options)
    if kind != "sqlite":
        msg = f"ODEKAKE_JOBS_QUEUE: expected 'sqlite' or 'redis', got {kind!r} (webapp.py)"
        raise InputError(msg)
    return SqliteHuey("odekake", filename=str(Path(app.instance_path) / QUEUE_FILE), **options)


def init_app(app: Flask) -> None:
    """Create the app's queue and register the planning task on it (``app.extensions["odekake_jobs"]``)."""
    huey = _make_huey(app)
    task = huey.task(name="plan_week")(_plan_task)  # every kind of job: the runner reads the kind from its row
    app.extensions["odekake_jobs"] = {"huey": huey, "plan_task": task}
    app.context_processor(lambda: {"day_job_titles": DAY_JOB_TITLES})


def time_limit_choices() -> list[int]:
    """Return the time limits (seconds) the planning form offers."""
    return [int(s) for s in current_app.config["ODEKAKE_PLAN_TIME_LIMITS"]]


def _time_limit(value: object) -> int:
    if value is None or value == "":
        return int(current_app.config["ODEKAKE_PLAN_TIME_LIMIT_S"])
    choices = time_limit_choices()
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = None
    if seconds not in choices:
        msg = f"time_limit_s: {value!r} is not one of {choices}"
        raise InputError(msg)
    return seconds


def start_planning(store: Store, week, *, user: str, time_limit_s: object = None) -> tuple[PlanJob, bool]:
    """Queue a planning job for the week unless one is already queued or running.

    Parameters
    ----------
    store
        The request's store.
    week
        The Monday of the week.
    user
        Who asked (recorded on the job and the plan).
    time_limit_s
        One of ``ODEKAKE_PLAN_TIME_LIMITS``; None or empty: ``ODEKAKE_PLAN_TIME_LIMIT_S``.

    Returns
    -------
    tuple[PlanJob, bool]
        The new job and True, or the week's active job and False.
    """
    limit = _time_limit(time_limit_s)
    params = SolveParams(time_limit_s=limit, solution_limit=current_app.config["ODEKAKE_PLAN_SOLUTION_LIMIT"],
                         stall_s=current_app.config["ODEKAKE_PLAN_STALL_S"])
    job, created = store.add_job(PlanJob(week_start=week, created_by=user, time_limit_s=limit,
                                         params=params.to_dict()))
    if created:
        current_app.extensions["odekake_jobs"]["plan_task"](current_app.instance_path, job.id,
                                                             clock.now().isoformat())
        log.info("job %s queued: plan week %s", job.id, week)
    return (store.jobs.get(job.id) if created else job), created


def start_day_job(store: Store, kind: str, days: list[dt.date], args: dict, *, user: str,
                  time_limit_s: float) -> tuple[PlanJob, bool]:
    """Queue a day job (re-plan a day, an outage, a closed road) unless a day job already holds one of its days.

    Parameters
    ----------
    store
        The request's store.
    kind
        ``day_replan``, ``outage`` or ``closure`` (`scheduler.planning.replan_jobs`).
    days
        The days it re-plans (a week re-planned is keyed by the Monday of the first).
    args
        What the job needs beyond its days; ``now`` (the city's, default now) is added.
    user
        Who asked (recorded on the job and the versions).
    time_limit_s
        Seconds each day's solve may search.

    Returns
    -------
    tuple[PlanJob, bool]
        The new job and True, or the active day job in its way and False.
    """
    params = SolveParams(time_limit_s=time_limit_s)
    args = {"now": clock.now().isoformat(), **args}
    job, created = store.add_job(PlanJob(week_start=week_monday(min(days)), created_by=user, kind=kind, days=days,
                                         time_limit_s=time_limit_s * len(days), params=params.to_dict(), args=args))
    if created:
        current_app.extensions["odekake_jobs"]["plan_task"](current_app.instance_path, job.id, args["now"])
        log.info("job %s queued: %s of %s", job.id, kind, ", ".join(d.isoformat() for d in job.days))
    return (store.jobs.get(job.id) if created else job), created


def job_words(job: PlanJob) -> dict[str, str | None]:
    """Return a job's state, phase and error in the request's language."""
    phase = PHASE_WORDS.get(job.phase) if job.state == JobState.RUNNING and job.phase else None
    return {"state": _(STATE_WORDS[job.state]), "phase": _(phase) if phase else None,
            "error": _(JOB_ERROR_WORDS[job.error_code]) if job.error_code else None}


def found_words(job: PlanJob) -> str:
    """Return the running job's best plan so far in staff words (途中経過: 計画済み … · 未割当 … · 約束 …)."""
    words = _("途中経過: 計画済み %(served)s · 未割当 %(unassigned)s", served=job.found_served,
              unassigned=job.found_unassigned)
    if job.found_promised:
        words += _(" · 約束 %(kept)s / %(promised)s", kept=job.found_promises_kept, promised=job.found_promised)
    return words


def job_json(job: PlanJob) -> dict[str, Any]:
    """Return a job for the API: state, phase, progress 0–100, best plan so far, result or error (no stack trace)."""
    words = job_words(job)
    found = None
    if job.state == JobState.RUNNING and job.found_served is not None:
        found = {"served": job.found_served, "unassigned": job.found_unassigned,
                 "promises_kept": job.found_promises_kept, "promised": job.found_promised,
                 "words": found_words(job)}
    result = None
    if job.state == JobState.DONE:
        result = {**job.result, "plan_id": job.plan_id, "version": job.plan_version, "served": job.served,
                  "unassigned": job.unassigned}
    return {
        "id": job.id, "kind": job.kind,
        "days": [d.isoformat() for d in job.days], "week_start": job.week_start.isoformat(),
        "state": job.state.value, "phase": job.phase.value if job.phase else None,
        "words": words["phase"] or words["state"], "progress": job.progress(), "found": found,
        "time_limit_s": job.time_limit_s, "created_by": job.created_by,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result": result, "error": words["error"], "error_code": job.error_code,
        "error_detail": job.error_detail or None,
    }


class _EmbeddedConsumer(Consumer):
    """A huey consumer that leaves the process's signal handlers to the web server."""

    def _set_signal_handlers(self) -> None:
        pass


_FORKS_DEFAULT_SIGTERM: list[bool] = []


def _solver_workers_end_on_sigterm() -> None:
    """Give every process forked from this one (the solver's workers) SIGTERM's default action: end at once.

    The solver's pool stops its workers with SIGTERM. A fork inherits the
    parent's Python-level SIGTERM handler (``odekake serve``'s clean stop,
    huey's in ``odekake worker``); in a worker that handler's exception can be
    swallowed inside OR-Tools' callbacks, and a worker that outlives its pool's
    terminate blocks the pool, and the planning job, for ever (seen under load).
    """
    if not _FORKS_DEFAULT_SIGTERM:
        os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
        _FORKS_DEFAULT_SIGTERM.append(True)


def create_consumer(app: Flask, *, embedded: bool = False) -> Consumer:
    """Return a huey consumer (threads) for the app's queue; `embedded` keeps the server's signal handlers.

    The solver workers its jobs fork end at once on SIGTERM (`_solver_workers_end_on_sigterm`).
    """
    _solver_workers_end_on_sigterm()
    huey = app.extensions["odekake_jobs"]["huey"]
    cls = _EmbeddedConsumer if embedded else Consumer
    return cls(huey, workers=int(app.config["ODEKAKE_JOBS_WORKERS"]), worker_type="thread", periodic=False,
               max_delay=2.0)


def start_embedded_consumer(app: Flask) -> Consumer:
    """Start the app's queue consumer in this process (daemon threads); stop it with ``.stop()``."""
    consumer = create_consumer(app, embedded=True)
    consumer.start()
    return consumer
