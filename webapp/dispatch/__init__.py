"""The dispatcher's screens (配車担当): the week board with what is not planned, a shift's route map and stop sheet."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from scheduler.service_calendar import next_monday, parse_monday
from webapp import audit
from webapp.args import parse_day, query_int
from webapp.db import get_store
from webapp.maps import KIND_COLOURS
from webapp.plan_views import week_board
from webapp.sheet import render_sheet, shift_sheet
from webapp.vendor import LEAFLET_VERSION

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch", template_folder="templates",
               static_folder="static", static_url_path="/static")


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


@bp.route("/weeks/<monday>/sheet/<day>/<int:vehicle_id>")
def sheet(monday: str, day: str, vehicle_id: int):
    """Show one shift's stop sheet (運行表) of a plan version (``?version=N``, default the latest), to print."""
    week_start = parse_monday(monday)
    when = parse_day(day, field="day")
    plan = get_store().get_plan(week_start, query_int("version"))
    sheet = shift_sheet(plan, vehicle_id, when)
    return render_sheet(sheet, back_url=url_for("dispatch.week", monday=monday, version=plan.version),
                        pdf_url=url_for("api.sheet_pdf", day=day, vehicle_id=vehicle_id, version=plan.version))
