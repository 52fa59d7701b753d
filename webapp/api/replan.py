"""Re-plan the rest of a day and a van out of service: ``POST /api/days/<day>/replan``, ``POST /api/outages``.

Both run in the request (a day's re-plan takes about a second on the sample;
the week's planning jobs are week-keyed and their result is a week solve, so
this is not a job kind of its own yet) and answer **201** with the derived
draft version(s) (`scheduler.planning.replan_day`): its version, the residents
moved beyond the margin (``ODEKAKE_CALL_MARGIN_MINUTES``), the diff against the
version it derives from and whom to phone. ``GET /api/weeks/<monday>/plan``
then returns the new version. Two re-plans of the same day at once: the second
answers 409 (one process; a second server process is not told).

``POST /api/days/<day>/replan`` takes an optional body ``{"from": "11:00"}``
(the time of the day it re-plans from; default now). ``POST /api/outages``
takes ``{"vehicle": 2, "from": "2026-12-01T11:00", "until": "2026-12-01T17:00",
"reason": "maintenance" | any text}`` (times in the city's clock, or with an
offset).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, jsonify
from flask_login import current_user

from routing.errors import InputError
from scheduler.domain import hhmm
from scheduler.planning.outages import record_outage
from scheduler.planning.replan_day import DayReplan, replan_day
from scheduler.vrp.params import SolveParams
from webapp import clock
from webapp.api.blueprint import bp, json_body
from webapp.args import check_day, check_int, parse_day, parse_moment
from webapp.db import get_store, road_network

__all__ = ["REPLAN_TIME_LIMIT_S", "ReplanBusy", "call_margin_s", "one_at_a_time", "replan_json"]

_RUNNING: set[dt.date] = set()
_LOCK = threading.Lock()
#: Seconds a re-plan of a day may search.
REPLAN_TIME_LIMIT_S = 10.0


@contextmanager
def one_at_a_time(days: list[dt.date]) -> Iterator[None]:
    """Hold the days for one re-plan; a day already being re-planned answers 409."""
    with _LOCK:
        busy = [d for d in days if d in _RUNNING]
        if not busy:
            _RUNNING.update(days)
    if busy:
        raise ReplanBusy(busy[0])
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING.difference_update(days)


class ReplanBusy(Exception):
    def __init__(self, day: dt.date):
        super().__init__(day)
        self.day = day


def _conflict(exc: ReplanBusy):
    return jsonify(error="conflict", field="day",
                   message=f"{exc.day.isoformat()}: a re-plan of this day is running; wait for it"), 409


def _moment(value: Any, field: str) -> dt.datetime:
    """Return a time in the city's clock: ``2026-12-01T11:00`` as it is, one with an offset converted."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", value):
        moment = dt.datetime.fromisoformat(value)
        check_day(moment.date(), field)
        return moment
    return parse_moment(value, field=field)


def call_margin_s() -> int:
    return int(current_app.config["ODEKAKE_CALL_MARGIN_MINUTES"]) * 60


def replan_json(result: DayReplan) -> dict:
    """Return a day's re-plan as the API answers it: the version, moved, the diff, the calls."""
    plan = result.plan
    return {
        "week": plan.week_start.isoformat(), "version": plan.version, "status": plan.status.value,
        "day": plan.summary["change"]["day"], "moved": result.moved, "served": plan.summary["served"],
        "unassigned": plan.summary["unassigned"], "derived_from": result.base.version,
        "diff": {"moved": [{"request_id": m["request_id"], "delta_s": m["delta_s"]} for m in result.diff.moved],
                 "reassigned": [{"request_id": m["request_id"], "vehicle_id": m["new"]["vehicle_id"],
                                 "delta_s": m["delta_s"]} for m in result.diff.reassigned],
                 "newly_unassigned": [{"request_id": u["request_id"], "reason": u["reason"]}
                                      for u in result.diff.newly_unassigned]},
        "calls": [{"request_id": c.request_id, "reason": c.reason, "told": f"{hhmm(c.told.start_s)}–{hhmm(c.told.end_s)}",
                   "expected": hhmm(c.expected_s) if c.expected_s is not None else None, "moved_s": c.moved_s,
                   "vehicle_id": c.vehicle_id, "detail": c.detail} for c in result.calls],
    }


@bp.route("/days/<day>/replan", methods=["POST"], endpoint="replan_day")
def replan(day: str):
    """Re-plan the rest of a day from now (or ``from`` HH:MM) as a derived draft version: 201."""
    when = parse_day(day, field="day")
    data = json_body() if _has_body() else {}
    now = clock.now()
    if data.get("from") is not None:
        text = str(data["from"])
        if not re.fullmatch(r"\d{1,2}:\d{2}", text) or int(text.split(":")[0]) > 23 or int(text[-2:]) > 59:
            raise InputError.of("from", "{text!r} is not a time like 8:30", text=text[:20])
        hour, minute = (int(p) for p in text.split(":"))
        now = max(now, dt.datetime.combine(when, dt.time(hour, minute)))
    store = get_store()
    try:
        with one_at_a_time([when]):
            result = replan_day(store, road_network(), when, now=now, user=current_user.login,
                                params=SolveParams(time_limit_s=REPLAN_TIME_LIMIT_S), margin_s=call_margin_s())
    except ReplanBusy as exc:
        return _conflict(exc)
    return jsonify(replan_json(result)), 201


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data())


@bp.route("/outages", methods=["POST"], endpoint="outage_add")
def outage_add():
    """Store a vehicle's outage (shift exceptions, merged) and re-plan the affected days: 201 with the versions."""
    data = json_body()
    vehicle = check_int(data.get("vehicle"), "vehicle")
    start = _moment(data.get("from"), "from")
    until = _moment(data.get("until"), "until")
    reason = data.get("reason", "other")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
        raise InputError.of("reason", "a text of 1 to 200 characters")
    store = get_store()
    store.vehicles.get(vehicle)  # 404 when unknown
    days = [start.date() + dt.timedelta(days=k) for k in range((until.date() - start.date()).days + 1)]
    try:
        with one_at_a_time(days):
            out = record_outage(store, road_network(), vehicle, start, until, reason.strip(), now=clock.now(),
                                user=current_user.login, params=SolveParams(time_limit_s=REPLAN_TIME_LIMIT_S),
                                margin_s=call_margin_s())
    except ReplanBusy as exc:
        return _conflict(exc)
    return jsonify(vehicle=vehicle, exceptions=[{"id": e.id, "day": e.day.isoformat(), "start": e.start_s,
                                                 "end": e.end_s} for e in out.exceptions],
                   replans=[replan_json(r) for r in out.replans],
                   skipped_days=[d.isoformat() for d in out.skipped_days]), 201
