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

from flask import Response, abort, jsonify
from flask_login import current_user

from routing.errors import InputError
from scheduler.accounts import Role
from scheduler.booking import cancel_booking
from scheduler.domain import CALL_OUTCOMES, CallOutcome, hhmm
from scheduler.live.calls import expected_text
from scheduler.live.timeline import timeline_csv
from webapp import audit, clock
from webapp.api.blueprint import bp, json_body
from webapp.args import parse_day
from webapp.db import get_store, road_network
from webapp.live import call_json, day_calls, day_live, live_json

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
    store, labels = get_store(), get_store().id_labels()
    residents = {r.id: r for r in store.residents_with_ids({c.step.stop.resident_id for c in calls
                                                              if c.step.stop.resident_id})}
    audit.record("view", "resident", sorted(residents))
    return jsonify(day=live.day.isoformat(), now=live.now.isoformat(),
                   calls=[call_json(c, labels, residents.get(c.step.stop.resident_id)) for c in calls])


@bp.route("/calls/<int:call_id>", methods=["POST"], endpoint="call_outcome")
def call_outcome(call_id: int):
    """Note what came of a call (the call's id is its stop's id); ``cancel`` cancels the request."""
    data = json_body()
    outcome, note = data.get("outcome"), data.get("note", "")
    if outcome not in CALL_OUTCOMES:
        msg = f"outcome: {outcome!r} is not one of {', '.join(CALL_OUTCOMES)}"
        raise InputError(msg)
    if not isinstance(note, str):
        msg = "note: expected text"
        raise InputError(msg)
    store = get_store()
    stop = store.get_stop(call_id)
    if stop.request_id is None:
        abort(404, description=f"no call {call_id}")
    live = day_live(stop.day)
    call = next((c for c in day_calls(live) if c.id == call_id), None)
    if call is None and outcome == "cancel":
        msg = f"call: stop {call_id} is not on the call list of {stop.day.isoformat()}"
        raise InputError(msg)
    now = clock.now()
    if outcome == "cancel":  # first: a cancellation refused stores no outcome either
        reason = "取消希望（連絡リスト）" + (f": {note.strip()}" if note.strip() else "")
        cancel_booking(store, road_network(), stop.request_id, reason=reason, user=current_user.login, now=now)
    told = call.told if call is not None else None
    saved = store.add_call_outcome(CallOutcome(
        day=stop.day, request_id=stop.request_id, stop_id=stop.id, outcome=outcome, user=current_user.login,
        at=now, note=note.strip(), told=f"{hhmm(told.start_s)}–{hhmm(told.end_s)}" if told else "",
        expected=expected_text(call) if call is not None else ""))
    audit.record("change", "request", [stop.request_id])
    return jsonify(id=call_id, request_id=stop.request_id, stop_id=stop.id, outcome=saved.outcome,
                   at=saved.at.isoformat())
