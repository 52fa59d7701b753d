"""Re-plan the rest of a day and a van out of service: ``POST /api/days/<day>/replan``, ``POST /api/outages``.

Both queue a day job (`webapp.job_queue.start_day_job`, run by
`scheduler.planning.replan_jobs`) and answer **202** with ``{"job": {...}}``
(as ``GET /api/jobs/<id>``) and its ``Location``, as planning a week does. The
job goes through the same phases; once done its ``result`` holds per day
re-planned the derived draft version (`scheduler.planning.replan_day`), the
residents moved beyond the margin (``ODEKAKE_CALL_MARGIN_MINUTES``), the diff
against the version it derives from and whom to phone (``replans``), and the
version numbers (``versions``). ``GET /api/weeks/<monday>/plan`` then returns
the new version. While a day job holds one of the days (any process: the
``jobs`` table), the second answers 409 naming that job.

``POST /api/days/<day>/replan`` takes an optional body ``{"from": "11:00"}``
(the time of the day it re-plans from; default now). ``POST /api/outages``
takes ``{"vehicle": 2, "from": "2026-12-01T11:00", "until": "2026-12-01T17:00",
"reason": "maintenance" | any text}`` (times in the city's clock, or with an
offset); its result also lists the shift exceptions stored and the days with
nothing published to re-plan. Bad input is a 400 before anything is queued.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app, jsonify, url_for
from flask_login import current_user

from routing.errors import InputError
from scheduler.domain import week_monday
from scheduler.plan_job import PlanJob
from scheduler.planning.outages import outage_exceptions
from webapp import clock
from webapp.api.blueprint import bp, json_body
from webapp.args import check_day, check_int, parse_day, parse_moment
from webapp.db import get_store
from webapp.job_queue import job_json, start_day_job

__all__ = ["REPLAN_TIME_LIMIT_S", "call_margin_s", "check_replan_day", "job_answer", "queue_outage",
           "queue_replan"]

#: Seconds a re-plan of a day may search.
REPLAN_TIME_LIMIT_S = 10.0


def job_answer(job: PlanJob, created: bool):
    """Answer a queued day job: 202 with the job and its Location, or 409 naming the day job in the way."""
    if not created:
        days = ", ".join(d.isoformat() for d in job.days)
        return jsonify(error="conflict", field="day", job_id=job.id, job=job_json(job),
                       message=f"{days}: job {job.id} ({job.kind}) is {job.state.value} on this day; wait for it"), 409
    return jsonify(job=job_json(job)), 202, {"Location": url_for("api.job", job_id=job.id)}


def _moment(value: Any, field: str) -> dt.datetime:
    """Return a time in the city's clock: ``2026-12-01T11:00`` as it is, one with an offset converted."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:  # 25:00, 2026-02-30: the shape of a time, not a time
            raise InputError.of(field, "{text!r} is not a time like 2026-12-01T09:12:00+09:00", text=value) from None
        check_day(moment.date(), field)
        return moment
    return parse_moment(value, field=field)


def call_margin_s() -> int:
    return int(current_app.config["ODEKAKE_CALL_MARGIN_MINUTES"]) * 60


def check_replan_day(day: dt.date, now: dt.datetime) -> None:
    """Refuse a day that is over or whose week has nothing published (400 naming ``day``), before queuing."""
    if day < now.date():
        raise InputError.of("day", "{day} is over: only today or a later day can be re-planned", day=day.isoformat())
    if get_store().plans.published(week_monday(day)) is None:
        raise InputError.of("day", "week {week} has no published plan to re-plan", week=week_monday(day).isoformat())


def queue_replan(day: dt.date, now: dt.datetime) -> tuple[PlanJob, bool]:
    """Queue the re-plan of the rest of `day` from `now` (checked first)."""
    check_replan_day(day, now)
    return start_day_job(get_store(), "day_replan", [day], {"now": now.isoformat(), "margin_s": call_margin_s()},
                         user=current_user.login, time_limit_s=REPLAN_TIME_LIMIT_S)


def queue_outage(vehicle: int, start: dt.datetime, until: dt.datetime, reason: str,
                 note: str = "") -> tuple[PlanJob, bool]:
    """Queue an outage: its days are checked here (400), stored and re-planned by the job."""
    get_store().vehicles.get(vehicle)  # 404 when unknown
    if until <= clock.now():
        raise InputError.of("until", "{until} is over: an outage can only be entered while it lasts or before it",
                            until=until.isoformat(timespec="minutes"))
    days = [e.day for e in outage_exceptions(vehicle, start, until, reason, note)]
    args = {"vehicle": vehicle, "from": start.isoformat(), "until": until.isoformat(), "reason": reason,
            "note": note, "margin_s": call_margin_s()}
    return start_day_job(get_store(), "outage", days, args, user=current_user.login,
                         time_limit_s=REPLAN_TIME_LIMIT_S)


@bp.route("/days/<day>/replan", methods=["POST"], endpoint="replan_day")
def replan(day: str):
    """Queue the re-plan of the rest of a day from now (or ``from`` HH:MM) as a derived draft version: 202."""
    when = parse_day(day, field="day")
    data = json_body() if _has_body() else {}
    now = clock.now()
    if data.get("from") is not None:
        text = str(data["from"])
        if not re.fullmatch(r"\d{1,2}:\d{2}", text) or int(text.split(":")[0]) > 23 or int(text[-2:]) > 59:
            raise InputError.of("from", "{text!r} is not a time like 8:30", text=text[:20])
        hour, minute = (int(p) for p in text.split(":"))
        now = max(now, dt.datetime.combine(when, dt.time(hour, minute)))
    return job_answer(*queue_replan(when, now))


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data())


@bp.route("/outages", methods=["POST"], endpoint="outage_add")
def outage_add():
    """Queue a vehicle's outage (shift exceptions, merged) and the re-plan of the affected days: 202 with the job."""
    data = json_body()
    vehicle = check_int(data.get("vehicle"), "vehicle")
    start = _moment(data.get("from"), "from")
    until = _moment(data.get("until"), "until")
    reason = data.get("reason", "other")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
        raise InputError.of("reason", "a text of 1 to 200 characters")
    return job_answer(*queue_outage(vehicle, start, until, reason.strip()))
