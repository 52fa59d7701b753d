"""The day as it happens, as JSON and CSV: ``/api/days/<day>/live``, ``timeline.csv``, ``calls``; call outcomes.

- ``GET /api/days/<day>/live``: per vehicle, per stop (the same ``id`` as in
  ``/api/routes``) the planned times, the state, what happened, ``eta_s`` and
  ``late_by_s``; the vehicle's last report. Drivers see their own vehicle.
- ``GET /api/days/<day>/timeline.csv``: planned against actual per stop, the
  city's ids, UTF-8 with BOM (Excel).
- ``GET /api/days/<day>/calls``: the call list (連絡リスト): residents whose told
  window the ETAs leave, with phone, told and expected time, why, what to say.
- ``POST /api/calls/<id>`` ``{"outcome": "informed|no_answer|accepted|cancel", "note": "..."}``:
  what the operator noted; ``cancel`` (取消希望) cancels the request with that
  reason (its time freed in the latest plan). A call's id is its stop's id.
"""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user

from scheduler.accounts import Role
from scheduler.live.timeline import timeline_csv
from webapp import audit
from webapp.api.blueprint import bp, json_body
from webapp.args import parse_day
from webapp.db import get_store
from webapp.live import (
    call_json,
    call_residents,
    day_calls,
    day_live,
    live_json,
    note_call,
)

__all__: list[str] = []


def _own_vehicles() -> list[int] | None:
    """Return the vehicles the user may see the day of: a driver's own, everyone's for the office."""
    if current_user.role == Role.DRIVER:
        return [current_user.vehicle_id] if current_user.vehicle_id is not None else []
    return None


@bp.route("/days/<day>/live", endpoint="day_live")
def day_live_(day: str):
    """The day's published routes as they happen (ETAs from the crew's reports, at the city's now)."""
    live = day_live(parse_day(day, field="day"), vehicle_ids=_own_vehicles())
    return jsonify(live_json(live, get_store().id_labels()))


@bp.route("/days/<day>/timeline.csv", endpoint="day_timeline")
def day_timeline(day: str):
    """Planned against actual per stop of the day, as CSV for Excel (UTF-8 with BOM, the city's ids)."""
    when = parse_day(day, field="day")
    text = timeline_csv(day_live(when), get_store().id_labels())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="timeline-{when.isoformat()}.csv"'})


@bp.route("/days/<day>/calls", endpoint="day_calls")
def day_calls_(day: str):
    """The day's call list: whom to phone, their number, the told window, the expected time, what to say."""
    live = day_live(parse_day(day, field="day"))
    calls = day_calls(live)
    labels = get_store().id_labels()
    residents = call_residents(calls)
    audit.record("view", "resident", sorted(residents))
    return jsonify(day=live.day.isoformat(), now=live.now.isoformat(),
                   calls=[call_json(c, labels, residents) for c in calls])


@bp.route("/calls/<int:call_id>", methods=["POST"], endpoint="call_outcome")
def call_outcome(call_id: int):
    """Note what came of a call (the call's id is its stop's id); ``cancel`` cancels the request."""
    data = json_body()
    saved = note_call(call_id, data.get("outcome"), data.get("note", ""), user=current_user.login)
    return jsonify(id=call_id, request_id=saved.request_id, stop_id=saved.stop_id, outcome=saved.outcome,
                   at=saved.at.isoformat())
