"""The dispatcher's screens (配車担当): the week board with what is not planned, and a shift's route map."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from scheduler.service_calendar import next_monday, parse_monday
from webapp import audit
from webapp.args import parse_day, query_int
from webapp.db import get_store
from webapp.plan_views import week_board
from webapp.vendor import LEAFLET_VERSION

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch", template_folder="templates",
               static_folder="static", static_url_path="/static")

#: One colour per request kind, used the same on the board, the map and the sheet (always with a word).
KIND_COLOURS = {"visit": "#1f77b4", "session": "#2ca02c", "errand": "#d95f02", "ride": "#7570b3"}


@bp.route("/")
def index():
    """Open the week of the latest plan (or next week when nothing is planned yet)."""
    plans = get_store().plans()
    week = plans[0].week_start if plans else next_monday()
    return redirect(url_for("dispatch.week", monday=week.isoformat()))


@bp.route("/weeks/<monday>")
def week(monday: str):
    """Show the week board: vehicles × service days, each shift's stops; not planned with reasons."""
    store = get_store()
    board = week_board(store, parse_monday(monday), query_int("version"))
    audit.record("view", "resident", board.resident_ids)
    return render_template("dispatch/week.html", board=board, colours=KIND_COLOURS)


@bp.route("/weeks/<monday>/map/<day>/<int:vehicle_id>")
def shift_map(monday: str, day: str, vehicle_id: int):
    """Show one shift's route on the instance's own road graph (Leaflet, no tiles)."""
    week_start = parse_monday(monday)
    when = parse_day(day, field="day")
    plan = get_store().get_plan(week_start, query_int("version"))
    if plan is None or not any(s.vehicle_id == vehicle_id and s.day == when for s in plan.stops):
        abort(404)
    data_url = url_for("api.shift_map", monday=monday, day=day, vehicle_id=vehicle_id, version=plan.version)
    return render_template("dispatch/map.html", plan=plan, day=when, vehicle=get_store().get_vehicle(vehicle_id),
                           data_url=data_url, leaflet_version=LEAFLET_VERSION, colours=KIND_COLOURS)
