"""Locks (鍵) as JSON: ``POST /api/locks``, ``GET /api/locks?week=``, ``DELETE /api/locks/<id>``.

- ``POST /api/locks`` with ``{"stop_id": 812}`` (that stop's request stays on its vehicle and day),
  ``{"vehicle": 2, "day": "2026-12-01"}`` (the shift's whole route) or ``{"day": "2026-12-01"}``
  (every route of the day): 201 with the lock. A stop of no request (a depot, a break) is a 400, an
  unknown stop or vehicle a 404, each naming the field; the same lock twice a 409.
- ``GET /api/locks?week=2026-11-30``: the locks of that week's days.
- ``DELETE /api/locks/<id>``: removes one (404 when there is none); an optional ``{"reason": "..."}`` is logged.

Re-planning the rest of a day, planning a published week again and moving a request honour them
(`scheduler.locks`).
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import jsonify, request
from flask_login import current_user

from routing.errors import InputError
from scheduler.locks import Lock, LockConflict
from webapp import audit
from webapp.api.blueprint import bp, json_body
from webapp.args import check_int, parse_day, parse_monday
from webapp.db import get_store
from webapp.errors import input_error_json
from webapp.locks import new_lock

__all__ = ["lock_json"]

log = logging.getLogger(__name__)


def lock_json(lock: Lock) -> dict:
    """Return a lock as the API answers it."""
    return {"id": lock.id, "kind": lock.kind, "day": lock.day.isoformat(), "vehicle": lock.vehicle_id,
            "stop_id": lock.stop_id, "request_id": lock.request_id, "created_by": lock.created_by,
            "created_at": lock.created_at.isoformat() if lock.created_at else None}


@bp.route("/locks", methods=["POST"], endpoint="lock_add")
def lock_add():
    """Lock a stop, a shift or a day: 201 with the lock; 409 when it is locked already."""
    data = json_body()
    given = sorted(k for k in ("stop_id", "vehicle", "day") if data.get(k) is not None)
    if given not in (["stop_id"], ["day", "vehicle"], ["day"]):
        raise InputError.of("stop_id", "give stop_id, or vehicle and day, or day alone")
    store = get_store()
    try:
        if "stop_id" in given:
            lock = new_lock(store, user=current_user.login, stop_id=check_int(data["stop_id"], "stop_id"))
        else:
            vehicle = check_int(data["vehicle"], "vehicle") if "vehicle" in given else None
            lock = new_lock(store, user=current_user.login, vehicle_id=vehicle,
                            day=parse_day(str(data["day"]), field="day"))
    except LockConflict as exc:
        return jsonify(input_error_json(exc)), 409
    audit.record("change", "lock", [lock.id])
    return jsonify(lock=lock_json(lock)), 201


@bp.route("/locks", endpoint="locks")
def locks():
    """The locks of a week's days (``?week=`` its Monday)."""
    week = parse_monday(request.args.get("week", ""))
    found = get_store().locks.between(week, week + dt.timedelta(days=6))
    return jsonify(week=week.isoformat(), locks=[lock_json(lock) for lock in found])


@bp.route("/locks/<int:lock_id>", methods=["DELETE"], endpoint="lock_remove")
def lock_remove(lock_id: int):
    """Remove a lock (an optional body ``{"reason": text}`` goes to the log): 200; 404 when there is none."""
    reason = json_body().get("reason", "") if request.get_data() else ""
    if not isinstance(reason, str) or len(reason) > 200:
        raise InputError.of("reason", "a text of 1 to 200 characters")
    get_store().locks.delete(lock_id)
    audit.record("change", "lock", [lock_id])
    log.info("lock %s removed by %s%s", lock_id, current_user.login, f": {reason}" if reason else "")
    return jsonify(id=lock_id, removed=True)
