"""What the screens and the API show of the day as it happens (`scheduler.live`), on the app's clock.

`day_live` re-times the day's published routes at the city's now
(`webapp.clock.now`); `live_json` is the JSON of ``GET /api/days/<day>/live``
(the same stop ids as ``/api/routes``, database ids plus city ids, no
personal data); `day_calls` is the call list with each entry's latest outcome
and the resident to phone (`call_json` carries the name and phone: only the
office's roles reach it, and views that show it audit it); `note_call` stores
what an operator noted on a call (the API and the call list screen both use it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import abort, current_app

from routing.errors import InputError
from scheduler.booking import cancel_booking
from scheduler.domain import CALL_OUTCOMES, DAY_S, CallOutcome, IdLabels, hhmm
from scheduler.live.calls import Call, call_list, expected_text, read_back
from scheduler.live.day import LiveDay, LiveStep, VehicleDay, live_day
from webapp import audit, clock
from webapp.db import get_store, road_network

__all__ = ["NOTE_MAX", "call_json", "call_residents", "day_calls", "day_live", "live_json", "note_call", "step_json"]

#: The longest note on a call's outcome, in characters.
NOTE_MAX = 500


def day_live(day: dt.date, *, vehicle_ids: Iterable[int] | None = None) -> LiveDay:
    """Return the day's published routes re-timed at the city's now."""
    return live_day(get_store(), day, clock.now(), vehicle_ids=vehicle_ids)


def _time(week_seconds: int | None) -> dict | None:
    if week_seconds is None:
        return None
    return {"s": week_seconds % DAY_S, "text": hhmm(week_seconds % DAY_S)}


def step_json(step: LiveStep, labels: IdLabels) -> dict:
    """Return one stop of the day: planned, what happened, what is expected, the told window."""
    stop, eta, told = step.stop, step.eta, step.told
    return {
        "id": stop.id, "seq": stop.seq, "kind": stop.step_type, "state": step.state,
        "request_id": stop.request_id, "request": labels.request(stop.request_id) if stop.request_id else None,
        "resident_id": stop.resident_id, "site_id": stop.site_id,
        "planned": {"arrival": _time(stop.arrival_s), "start": _time(stop.start_s),
                    "departure": _time(stop.departure_s)},
        "actual": {"arrived": _time(eta.arrived_at_s), "left": _time(eta.left_at_s)},
        "eta_s": eta.start_s % DAY_S if eta.start_s is not None else None,
        "eta": hhmm(eta.start_s % DAY_S) if eta.start_s is not None else None,
        "late_by_s": eta.late_by_s, "moved_s": eta.moved_s,
        "told": {"start_s": told.start_s, "end_s": told.end_s,
                 "text": f"{hhmm(told.start_s)}–{hhmm(told.end_s)}"} if told else None,
        "lat": stop.lat, "lon": stop.lon,
    }


def _last_report(vday: VehicleDay, now: dt.datetime) -> dict | None:
    event = vday.last_report
    if event is None:
        return None
    return {"stop_id": event.stop_id, "action": event.action, "at": event.at.isoformat(),
            "age_s": max(0, int((now - event.at).total_seconds()))}


def live_json(live: LiveDay, labels: IdLabels) -> dict:
    """Return the day as it happens: per vehicle its stops and last report; the promises the ETAs break."""
    plan = live.plan
    return {
        "day": live.day.isoformat(), "now": live.now.isoformat(),
        "plan": {"id": plan.id, "version": plan.version} if plan else None,
        "vehicles": [{"vehicle_id": v.vehicle_id, "vehicle": labels.vehicle(v.vehicle_id),
                      "last_report": _last_report(v, live.now),
                      "stops": [step_json(s, labels) for s in v.steps]} for v in live.vehicles],
        "late": [s.stop.id for v in live.vehicles for s in v.late_steps()],
    }


def day_calls(live: LiveDay) -> list[Call]:
    """Return the day's call list with the latest outcome noted on each call."""
    outcomes = {o.stop_id: o for o in get_store().call_outcomes.on(live.day)}
    margin = int(current_app.config["ODEKAKE_CALL_MARGIN_MINUTES"]) * 60
    return call_list(live, margin_s=margin, outcomes=outcomes)


def call_residents(calls: Iterable[Call]) -> dict:
    """Return the residents to phone for `calls` (a hall session's: each one booked), by id (views audit their ids)."""
    ids = {rid for c in calls for rid in c.residents}
    return {r.id: r for r in get_store().residents.with_ids(ids)}


def call_json(call: Call, labels: IdLabels, residents: dict) -> dict:
    """Return one call of the list: whom (name, phone), the told window, the expected time, why, what to say.

    ``residents`` lists everyone to phone (a hall session: each resident booked into it that day);
    ``resident_id``, ``name`` and ``phone`` are the first of them.
    """
    outcome = call.outcome
    people = [residents[i] for i in call.residents if i in residents]
    resident = people[0] if people else None
    return {
        "id": call.id, "request_id": call.request_id, "stop_id": call.stop_id,
        "request": labels.request(call.request_id), "vehicle_id": call.vehicle_id,
        "vehicle": labels.vehicle(call.vehicle_id),
        "resident_id": resident.id if resident else None,
        "name": resident.name if resident else "", "phone": resident.phone if resident else "",
        "residents": [{"resident_id": p.id, "resident": labels.resident(p.id), "name": p.name, "phone": p.phone}
                      for p in people],
        "told": {"day": call.told.day.isoformat(), "start_s": call.told.start_s, "end_s": call.told.end_s,
                 "text": f"{hhmm(call.told.start_s)}–{hhmm(call.told.end_s)}"},
        "expected_s": call.expected_s, "expected": expected_text(call), "moved_s": call.moved_s,
        "reason": call.reason, "read_back": read_back(call, resident.name if resident else ""),
        "outcome": None if outcome is None else {"outcome": outcome.outcome, "note": outcome.note,
                                                  "user": outcome.user, "at": outcome.at.isoformat()},
    }



def note_call(call_id: int, outcome: object, note: object, *, user: str) -> CallOutcome:
    """Store what came of a call (its id is its stop's id); ``cancel`` (取消希望) cancels the request first.

    Raises
    ------
    InputError
        An outcome not in `CALL_OUTCOMES`, a note that is not text, a cancellation of a stop
        not on its day's call list, or a cancellation the booking rules refuse (nothing stored).
    """
    if not isinstance(outcome, str) or outcome not in CALL_OUTCOMES:
        raise InputError.of("outcome", "{value!r} is not one of {known}", value=outcome, known=", ".join(CALL_OUTCOMES))
    if not isinstance(note, str):
        raise InputError.of("note", "expected text")
    if len(note) > NOTE_MAX:
        raise InputError.of("note", "{count} characters; at most {limit}", count=len(note), limit=NOTE_MAX)
    store = get_store()
    stop = store.plan_stops.get(call_id)
    if stop.request_id is None:
        abort(404, description=f"no call {call_id}")
    call = next((c for c in day_calls(day_live(stop.day)) if c.id == call_id), None)
    if call is None and outcome == "cancel":
        raise InputError.of("outcome", "stop {stop} is not on the call list of {day}", stop=call_id,
                            day=stop.day.isoformat())
    if outcome == "cancel" and call.step.request is not None and call.step.request.kind.value == "session":
        raise InputError.of("outcome", "a hall session is not cancelled from the call list (a resident's seat "
                                       "is cancelled on 予約)")
    now = clock.now()
    if outcome == "cancel":  # first: a cancellation refused stores no outcome either
        reason = "取消希望（連絡リスト）" + (f": {note.strip()}" if note.strip() else "")
        cancel_booking(store, road_network(), stop.request_id, reason=reason, user=user, now=now)
    told = call.told if call is not None else None
    saved = store.call_outcomes.add(CallOutcome(
        day=stop.day, request_id=stop.request_id, stop_id=stop.id, outcome=outcome, user=user,
        at=now, note=note.strip(), told=f"{hhmm(told.start_s)}–{hhmm(told.end_s)}" if told else "",
        expected=expected_text(call) if call is not None else ""))
    audit.record("change", "request", [stop.request_id])
    return saved
