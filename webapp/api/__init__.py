"""The JSON API: the same data as the screens, for scripts and the pages' own JavaScript.

Authentication: the browser session (writes then need the ``X-CSRFToken``
header) or ``Authorization: Bearer TOKEN`` (``odekake user token NAME``).
Dates are ISO (``2026-12-01``), times seconds of the day plus ``H:MM``.
Errors are ``{"error": "..."}`` with a 4xx status (`webapp.errors`).
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user

from routing.errors import InputError
from scheduler.accounts import Role
from scheduler.domain import RequestKind, RequestStatus, hhmm, week_monday
from scheduler.service_calendar import parse_monday
from webapp import audit
from webapp.args import parse_day, query_int
from webapp.auth import log_in
from webapp.db import get_store, road_network
from webapp.i18n import word
from webapp.maps import roads_geojson, route_bbox
from webapp.plan_views import (
    on_published_route,
    published_route,
    shift_rows,
    week_board,
)

bp = Blueprint("api", __name__, url_prefix="/api")


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        msg = "body: expected a JSON object (Content-Type: application/json)"
        raise InputError(msg)
    return data


def _plan_head(plan) -> dict:
    return {"id": plan.id, "week_start": plan.week_start.isoformat(), "version": plan.version,
            "status": plan.status.value, "created_at": plan.created_at.isoformat(),
            "created_by": plan.created_by, "summary": plan.summary}


@bp.route("/session", methods=["POST"])
def session():
    """Log in with ``{"login": ..., "password": ...}``; the answer sets the session cookie."""
    data = _json_body()
    login, password = data.get("login"), data.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        msg = "login/password: both are required, as text"
        raise InputError(msg)
    if not log_in(login, password):
        return jsonify(error="wrong login or password"), 401
    return me()


@bp.route("/me")
def me():
    """Who is logged in: login, role, vehicle."""
    return jsonify(login=current_user.login, role=current_user.role.value, vehicle_id=current_user.vehicle_id)


@bp.route("/weeks/<monday>/plan")
def week_plan(monday: str):
    """A plan version of a week (``?version=N``, default the latest): shifts with stops, unassigned."""
    board = week_board(get_store(), parse_monday(monday), query_int("version"))
    if board.plan is None:
        abort(404, description=f"week {monday}: no plan")
    audit.record("view", "resident", board.resident_ids)
    return jsonify(plan=_plan_head(board.plan),
                   shifts=[row.to_json() for row in board.shifts.values()],
                   unassigned=[{**dataclasses.asdict(u), "day": u.day.isoformat() if u.day else None}
                               for u in board.unassigned])


@bp.route("/routes/<day>")
def routes(day: str):
    """The routes of a day (``?vehicle=ID``). Drivers: their own vehicle in the published plan only."""
    when = parse_day(day)
    vehicle_id = query_int("vehicle")
    store = get_store()
    if current_user.role == Role.DRIVER:
        if vehicle_id not in (None, current_user.vehicle_id):
            abort(403, description="drivers see their own vehicle's routes only")
        plan, row = published_route(store, current_user.vehicle_id, when)
        rows = [row] if row is not None else []
    else:
        plan = store.get_plan(week_monday(when))
        rows = list(shift_rows(plan, store, vehicle_id=vehicle_id, day=when).values()) if plan else []
    audit.record("view", "resident", (i for row in rows for i in row.resident_ids))
    return jsonify(date=when.isoformat(), plan=_plan_head(plan) if plan else None,
                   routes=[row.to_json() for row in rows])


@bp.route("/weeks/<monday>/map/<day>/<int:vehicle_id>")
def shift_map(monday: str, day: str, vehicle_id: int):
    """One shift for the map: its stops, its road path and the roads around it (GeoJSON)."""
    store = get_store()
    plan = store.get_plan(parse_monday(monday), query_int("version"))
    when = parse_day(day, field="day")
    row = shift_rows(plan, store, vehicle_id=vehicle_id, day=when).get((vehicle_id, when)) if plan else None
    if row is None:
        abort(404, description="no such shift")
    located = [s for s in row.stops if s.lat is not None and s.lon is not None]
    network = road_network()
    route = network.route_geojson([(str(s.id), s.lat, s.lon) for s in located])
    box = route_bbox([(lat, lon) for f in route["features"] for lon, lat in f["geometry"]["coordinates"]]
                     or [(s.lat, s.lon) for s in located])
    roads = roads_geojson(network, box.grown(current_app.config["ODEKAKE_MAP_MARGIN_DEG"]))
    stops = [{"id": s.id, "seq": s.seq, "kind": s.kind, "word": word(s.word_code),
              "eta": hhmm(s.eta_s), "place": s.place, "lat": s.lat, "lon": s.lon} for s in located]
    return jsonify(roads=roads, route=route, stops=stops)


@bp.route("/stops/<int:stop_id>/status", methods=["POST"])
def stop_status(stop_id: int):
    """Report at a stop: ``{"action": "arrived|done|not_home|cannot_serve", "note": "..."}``."""
    data = _json_body()
    store = get_store()
    if current_user.role == Role.DRIVER and not on_published_route(store, stop_id, current_user.vehicle_id):
        abort(404, description=f"stop {stop_id} is not on your published route")
    action, note = data.get("action"), str(data.get("note") or "")
    if action == "cannot_serve" and not note.strip():
        msg = "note: give the reason the request could not be served"
        raise InputError(msg)
    req = store.mark_stop(stop_id, str(action), user=current_user.login, note=note)
    audit.record("change", "request", [req.id])
    return jsonify(stop_id=stop_id, request_id=req.id, status=req.status.value, report=action)


@bp.route("/requests", endpoint="requests")
def requests_():
    """Requests (``?status=...&kind=...``): ids, kind, status, windows; residents by id only."""
    statuses = request.args.getlist("status") or None
    kind = request.args.get("kind") or None
    try:
        found = get_store().requests(statuses=[RequestStatus(s) for s in statuses] if statuses else None,
                                     kind=RequestKind(kind) if kind else None)
    except ValueError as exc:
        msg = f"status/kind: {exc}"
        raise InputError(msg) from None
    return jsonify(requests=[{
        "id": r.id, "kind": r.kind.value, "status": r.status.value, "resident_id": r.resident_id,
        "windows": [_window(w) for w in r.windows], "promised": _window(r.promised) if r.promised else None,
        "received_at": r.received_at.isoformat(), "external_id": r.external_id} for r in found])


def _window(w) -> dict:
    return {"day": w.day.isoformat(), "start_s": w.start_s, "end_s": w.end_s}


@bp.route("/residents")
def residents():
    """Find residents (``?q=`` name, kana, phone or address) as an operator would; every search is audited."""
    found = get_store().find_residents(request.args.get("q", ""))
    audit.record("search", "resident", [r.id for r in found])
    return jsonify(residents=[{"id": r.id, "name": r.name, "kana": r.kana, "phone": r.phone,
                               "address": r.address, "district": r.district, "notes": r.notes}
                              for r in found])

from webapp.api import booking as _booking  # noqa: F401  (registers the booking routes on bp)
