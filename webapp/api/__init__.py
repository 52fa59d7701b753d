"""The JSON API: the same data as the screens, for scripts and the pages' own JavaScript.

Authentication: the browser session (writes then need the ``X-CSRFToken``
header) or ``Authorization: Bearer TOKEN`` (``odekake user token NAME``).
Dates are ISO (``2026-12-01``), times seconds of the day plus ``H:MM``.
Errors are ``{"error": "..."}`` with a 4xx status (`webapp.errors`).
"""

from __future__ import annotations

import dataclasses

from flask import abort, current_app, jsonify, request, url_for
from flask_login import current_user

from routing.errors import InputError
from scheduler.accounts import Role
from scheduler.domain import RequestKind, RequestStatus, hhmm, week_monday
from scheduler.evidence.records import handled_json, report_at_stop
from webapp import audit, clock
from webapp.api.blueprint import bp, json_body, window_json
from webapp.args import parse_day, parse_moment, parse_monday, query_int
from webapp.auth import log_in
from webapp.db import get_store, road_network
from webapp.i18n import word
from webapp.job_queue import job_json, start_planning
from webapp.maps import Bbox, roads_geojson, shift_geometry
from webapp.plan_views import (
    on_published_route,
    published_route,
    shift_rows,
    week_board,
)
from webapp.publishing import PublishConflict, publish_version
from webapp.sheet import sheet_pdf, shift_sheet


def _optional_json_body() -> dict:
    """Return the JSON object of the body, ``{}`` when there is no body."""
    return json_body() if request.content_length else {}


def _plan_head(plan) -> dict:
    return {"id": plan.id, "week_start": plan.week_start.isoformat(), "version": plan.version,
            "status": plan.status.value, "created_at": plan.created_at.isoformat(),
            "created_by": plan.created_by, "summary": plan.summary}


@bp.route("/session", methods=["POST"])
def session():
    """Log in with ``{"login": ..., "password": ...}``; the answer sets the session cookie."""
    data = json_body()
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
    board = week_board(get_store(), parse_monday(monday, field="monday"), query_int("version"))
    if board.plan is None:
        abort(404, description=f"week {monday}: no plan")
    audit.record("view", "resident", board.resident_ids)
    return jsonify(plan=_plan_head(board.plan),
                   shifts=[row.to_json() for row in board.shifts.values()],
                   unassigned=[{**dataclasses.asdict(u), "day": u.day.isoformat() if u.day else None}
                               for u in board.unassigned])


@bp.route("/weeks/<monday>/plan", methods=["POST"])
def plan_week_job(monday: str):
    """Queue a planning job for the week: ``{"time_limit_s": 30}`` (optional; one of the offered limits).

    Answers 202 with ``{"job": {...}}`` (as ``GET /api/jobs/<id>``) and a
    ``Location`` header. While the week already has a queued or running job,
    answers 409 with ``{"error": ..., "job_id": ID, "job": {...}}`` (that job).
    A bad body or time limit is a 400 naming the field.
    """
    week = parse_monday(monday, field="monday")
    data = _optional_json_body()
    job, created = start_planning(get_store(), week, user=current_user.login,
                                  time_limit_s=data.get("time_limit_s"))
    if not created:
        return jsonify(error=f"week {monday}: planning job {job.id} is already {job.state.value}",
                       job_id=job.id, job=job_json(job)), 409
    return jsonify(job=job_json(job)), 202, {"Location": url_for("api.job", job_id=job.id)}


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    """A background job: ``state`` (queued|running|done|failed), ``phase`` (compile|solve|store), ``words``
    (staff words: 順番待ち, 準備中, 計画中, 保存中, 完了, 失敗), ``progress`` 0–100, ``found`` while
    the solver searches (its best plan so far: ``served``, ``unassigned``, ``promises_kept``,
    ``promised``, ``words``; null before its first plan), ``result``
    (``plan_id``, ``version``, ``served``, ``unassigned``) once done, ``error`` (staff words),
    ``error_code`` and ``error_detail`` once failed. Unknown id: 404.

    ``kind`` is the job's kind as stored (`scheduler.plan_job.JOB_KINDS`): ``week_plan``, or a day
    job's (``day_replan``, ``outage``, ``closure``) with its
    ``days``; a day job's ``result`` also holds ``versions`` and ``replans`` (per day re-planned:
    the version, residents moved, the diff and whom to phone), an outage's ``exceptions`` and
    ``skipped_days``, a closure's ``closure_id``; ``version`` is the last one (null: none).
    """
    return jsonify(job_json(get_store().jobs.get(job_id)))


@bp.route("/weeks/<monday>/plan/publish", methods=["POST"])
def publish_plan(monday: str):
    """Publish a plan version to the drivers: ``{"version": N}`` (optional; default the latest version).

    The bookings and cancellations made into that version since go with it: the version published
    is the newest one derived from N by them alone (``plan.version`` says which).
    Answers 200 with ``{"plan": {...}, "published": true}``, or ``"published": false`` when that
    version was already published (nothing changes). 404 when the week or version has no plan;
    409 when a newer version is already published (drivers keep the newest published version).
    """
    data = _optional_json_body()
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        msg = f"version: expected a whole number, got {version!r}"
        raise InputError(msg)
    try:
        plan, changed = publish_version(get_store(), parse_monday(monday, field="monday"), version, user=current_user.login)
    except PublishConflict as exc:
        return jsonify(error=str(exc)), 409
    return jsonify(plan=_plan_head(plan), published=changed)


@bp.route("/routes/<day>")
def routes(day: str):
    """The routes of a day (``?vehicle=ID``). Drivers: their own vehicle in the published plan only."""
    when = parse_day(day, field="day")
    vehicle_id = query_int("vehicle")
    store = get_store()
    if current_user.role == Role.DRIVER:
        if vehicle_id not in (None, current_user.vehicle_id):
            abort(403, description="drivers see their own vehicle's routes only")
        plan, row = published_route(store, current_user.vehicle_id, when)
        rows = [row] if row is not None else []
    else:
        plan = store.plans.get(week_monday(when))
        rows = list(shift_rows(plan, store, vehicle_id=vehicle_id, day=when).values()) if plan else []
    audit.record("view", "resident", (i for row in rows for i in row.resident_ids))
    return jsonify(date=when.isoformat(), plan=_plan_head(plan) if plan else None,
                   routes=[row.to_json() for row in rows])


@bp.route("/routes/<day>/<int:vehicle_id>/sheet.pdf", endpoint="sheet_pdf")
def sheet_pdf_(day: str, vehicle_id: int):
    """The stop sheet (運行表) of a shift as an A4 PDF. Drivers: their own vehicle in the published plan only."""
    when = parse_day(day, field="day")
    store = get_store()
    if current_user.role == Role.DRIVER:
        if vehicle_id != current_user.vehicle_id:
            abort(403, description="drivers see their own vehicle's routes only")
        plan = store.plans.published(week_monday(when))
    else:
        plan = store.plans.get(week_monday(when), query_int("version"))
    return sheet_pdf(shift_sheet(plan, vehicle_id, when))


@bp.route("/weeks/<monday>/map/<day>/<int:vehicle_id>")
def shift_map(monday: str, day: str, vehicle_id: int):
    """One shift for the map: its stops, its road path and the roads around it (GeoJSON)."""
    store = get_store()
    plan = store.plans.get(parse_monday(monday, field="monday"), query_int("version"))
    when = parse_day(day, field="day")
    row = shift_rows(plan, store, vehicle_id=vehicle_id, day=when).get((vehicle_id, when)) if plan else None
    if row is None:
        abort(404, description="no such shift")
    located = [s for s in row.stops if s.lat is not None and s.lon is not None]
    route, roads, _ = shift_geometry(road_network(), [(str(s.id), s.lat, s.lon) for s in located],
                                     margin_deg=current_app.config["ODEKAKE_MAP_MARGIN_DEG"])
    stops = [{"id": s.id, "seq": s.seq, "number": s.number, "kind": s.kind, "word": word(s.word_code),
              "eta": hhmm(s.eta_s), "place": s.place, "lat": s.lat, "lon": s.lon} for s in located]
    return jsonify(roads=roads, route=route, stops=stops)


@bp.route("/stops/<int:stop_id>/status", methods=["POST"])
def stop_status(stop_id: int):
    """Report at a stop: ``{"action": "arrived|done|not_home|cannot_serve", "note": "...", "at": "..."}``.

    ``at`` is when it happened (ISO 8601 with its offset, ``2026-12-01T09:12:00+09:00``;
    default now): a tablet that was offline sends its presses later. A report on
    another day or in the future is refused naming ``at``; the same report sent
    again is stored once.

    A ``done`` at a visit, a hall session or a drop-off also records what was handled (issue 27):
    ``"handled": {"services": {"residence_certificate": 2}, "walk_ins": {"consultation": 1},
    "boxes": 3, "collected_yen": 2400, "passengers": 1}`` (each field optional; counts 0–999);
    without it, what was asked for, once each. The answer's ``handled`` is what was stored.
    """
    data = json_body()
    store = get_store()
    if current_user.role == Role.DRIVER:
        if not on_published_route(store, stop_id, current_user.vehicle_id):
            abort(404, description=f"stop {stop_id} is not on your published route")
    elif not on_published_route(store, stop_id, store.plan_stops.get(stop_id).vehicle_id):  # unknown: 404
        raise InputError.of("stop_id", "stop {stop} is not on the published plan of its week; the crew reports "
                                       "only on the routes drivers have", stop=stop_id)
    action, note = data.get("action"), str(data.get("note") or "")
    if action == "cannot_serve" and not note.strip():
        raise InputError.of("note", "give the reason the request could not be served")
    now = clock.now()
    at = parse_moment(data.get("at"), field="at") if data.get("at") is not None else now
    req, handled = report_at_stop(store, stop_id, str(action), handled=data.get("handled"), user=current_user.login,
                                  note=note, today=now.date(), at=at, now=now)
    audit.record("change", "request", [req.id])
    return jsonify(stop_id=stop_id, request_id=req.id, status=req.status.value, report=action,
                   handled=handled_json(handled) if handled else None)


@bp.route("/requests", endpoint="requests")
def requests_():
    """Requests (``?status=...&kind=...``): ids, kind, status, windows; residents by id only."""
    statuses = request.args.getlist("status") or None
    kind = request.args.get("kind") or None
    try:
        found = get_store().requests.find(statuses=[RequestStatus(s) for s in statuses] if statuses else None,
                                     kind=RequestKind(kind) if kind else None)
    except ValueError as exc:
        msg = f"status/kind: {exc}"
        raise InputError(msg) from None
    return jsonify(requests=[{
        "id": r.id, "kind": r.kind.value, "status": r.status.value, "resident_id": r.resident_id,
        "windows": [window_json(w) for w in r.windows], "promised": window_json(r.promised) if r.promised else None,
        "received_at": r.received_at.isoformat(), "external_id": r.external_id} for r in found])


@bp.route("/residents")
def residents():
    """Find residents (``?q=`` name, kana, phone or address) as an operator would; every search is audited."""
    found = get_store().residents.find(request.args.get("q", ""))
    audit.record("search", "resident", [r.id for r in found])
    return jsonify(residents=[{"id": r.id, "name": r.name, "kana": r.kana, "phone": r.phone,
                               "address": r.address, "district": r.district, "notes": r.notes}
                              for r in found])


#: The largest box `roads` draws, in degrees a side (a few km: a site's surroundings, not the whole city).
ROADS_MAX_DEG = 0.2


@bp.route("/roads")
def roads():
    """The instance's roads inside ``?bbox=south,west,north,east`` (degrees, at most 0.2° a side), as GeoJSON."""
    try:
        south, west, north, east = (float(x) for x in request.args.get("bbox", "").split(","))
    except ValueError:
        raise InputError.of("bbox", "expected south,west,north,east in degrees, e.g. 37.05,140.80,37.07,140.83"
                            ) from None
    if not (south < north and west < east):
        raise InputError.of("bbox", "south must be below north and west left of east")
    if north - south > ROADS_MAX_DEG or east - west > ROADS_MAX_DEG:
        return jsonify(roads={"type": "FeatureCollection", "features": []}, too_large=True)
    return jsonify(roads=roads_geojson(road_network(), Bbox(south, west, north, east)), too_large=False)


@bp.route("/openapi.json")
def openapi():
    """This API described as OpenAPI 3.1, made from the app's own routes (new routes appear by themselves)."""
    from webapp.openapi import openapi_document

    return jsonify(openapi_document(current_app))


from webapp.api import audit_log as _audit_log  # noqa: F401  (registers GET /api/audit.csv on bp)
from webapp.api import booking as _booking  # noqa: F401  (registers the booking routes on bp)
from webapp.api import closures as _closures  # noqa: F401  (registers the road closures' routes on bp)
from webapp.api import live as _live  # noqa: F401  (registers the live day's routes on bp)
from webapp.api import locks as _locks  # noqa: F401  (registers POST|GET /api/locks, DELETE /api/locks/<id> on bp)
from webapp.api import moves as _moves  # noqa: F401  (registers POST /api/requests/<id>/move on bp)
from webapp.api import replan as _replan  # noqa: F401  (registers POST /api/days/<day>/replan, /api/outages on bp)
from webapp.api import stats as _stats  # noqa: F401  (registers GET /api/stats on bp)
