"""The dispatcher's screens (配車担当): the week board with what is not planned, a shift's route map and stop sheet,
the day as it happens (今日の運行) and its call list (連絡リスト); locks, re-plans, outages and moves
(`webapp.dispatch.replanning`, registered here)."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from routing.errors import InputError
from scheduler.domain import PlanStatus
from scheduler.service_calendar import next_monday
from webapp import audit, clock
from webapp.args import parse_day, parse_monday, query_int
from webapp.db import get_store
from webapp.dispatch.day import (
    OUTCOME_WORDS,
    REASON_WORDS,
    STATE_WORDS,
    call_rows,
    day_screen,
)
from webapp.dispatch.done import register as register_done
from webapp.dispatch.holidays import session_move_lines
from webapp.dispatch.replanning import (
    OUTAGE_REASONS,
    day_job_done,
    published_replan_calls,
)
from webapp.dispatch.replanning import register as register_replanning
from webapp.driver import service_words
from webapp.job_queue import job_json, job_words, start_planning, time_limit_choices
from webapp.live import call_residents, day_calls, day_live, note_call
from webapp.locks import lock_index
from webapp.maps import KIND_COLOURS
from webapp.messages import message
from webapp.permissions import allowed
from webapp.plan_views import week_board
from webapp.publishing import (
    PublishConflict,
    compare_versions,
    publish_check,
    publish_version,
)
from webapp.sheet import render_sheet, shift_sheet
from webapp.vendor import LEAFLET_VERSION

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch", template_folder="templates",
               static_folder="static", static_url_path="/static")
register_replanning(bp)
register_done(bp)


@bp.route("/")
def index():
    """Open the week of the latest plan (or next week when nothing is planned yet)."""
    plans = get_store().plans.versions()
    week = plans[0].week_start if plans else next_monday()
    return redirect(url_for("dispatch.week", monday=week.isoformat()))


@bp.route("/weeks/<monday>")
def week(monday: str):
    """Show the week board: vehicles × service days, each shift's stops; not planned with reasons."""
    store = get_store()
    week_start = parse_monday(monday)
    board = week_board(store, week_start, query_int("version"))
    audit.record("view", "resident", board.resident_ids)
    job = store.jobs.active(week_start)
    check = publish_check(store, week_start, board.plan.version) \
        if board.plan is not None and board.plan.status == PlanStatus.DRAFT else None
    return render_template("dispatch/week.html", board=board, colours=KIND_COLOURS, check=check,
                           session_moves=session_move_lines(store, board.plan),
                           job=job_json(job) if job else None, time_limits=time_limit_choices(),
                           default_limit=_default_limit(),
                           can_plan=allowed("dispatch.plan", current_user.role),
                           locks=lock_index(store, week_start, week_start + dt.timedelta(days=6)),
                           can_lock=allowed("dispatch.lock", current_user.role), here=request.full_path)


def _default_limit() -> int:
    return int(current_app.config["ODEKAKE_PLAN_TIME_LIMIT_S"])


@bp.route("/weeks/<monday>/plan", methods=["POST"])
def plan(monday: str):
    """Start planning the week in the background (計画を作成 / 再計画) and show its progress."""
    job, created = start_planning(get_store(), parse_monday(monday), user=current_user.login,
                                  time_limit_s=request.form.get("time_limit_s"))
    if not created:
        flash(_("この週の計画は作成中です"))
    return redirect(url_for("dispatch.job", job_id=job.id))


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    """Show a job's progress (the page polls the API; a reload shows the same state); a day job done opens its result."""
    found = get_store().jobs.get(job_id)
    done = day_job_done(found)
    if done is not None:
        return done
    return render_template("dispatch/job.html", job=job_json(found), words=job_words(found))


@bp.route("/weeks/<monday>/compare")
def compare(monday: str):
    """Compare a plan version (``?version=N``, default the latest) with the version before it (比較)."""
    store = get_store()
    comparison = compare_versions(store, parse_monday(monday), query_int("version"))
    audit.record("view", "resident", comparison.resident_ids)
    draft = comparison.new.status == PlanStatus.DRAFT
    check = publish_check(store, comparison.new.week_start, comparison.new.version) if draft else None
    return render_template("dispatch/compare.html", c=comparison, colours=KIND_COLOURS, check=check,
                           can_plan=allowed("dispatch.publish", current_user.role))


@bp.route("/weeks/<monday>/publish", methods=["POST"])
def publish(monday: str):
    """Publish a plan version to the drivers (公開する); the form sends ``version``."""
    week_start = parse_monday(monday)
    text = request.form.get("version", "")
    if not text.isdecimal() or len(text) > 18:  # isdigit() is true of ², which int() refuses
        abort(400, description=f"version: {text[:20]!r} is not a whole number")
    check = publish_check(get_store(), week_start, int(text))
    if check.worse and request.form.get("confirm_worse") != "1":
        flash(_("公開中の版より悪くなる点があります。内容を確かめて印を付けてから公開してください"), "error")
        return redirect(url_for("dispatch.week", monday=monday, version=text))
    try:
        plan, changed = publish_version(get_store(), week_start, int(text), user=current_user.login)
    except PublishConflict:
        flash(_("新しい版がすでに公開されています"), "error")
        return redirect(url_for("dispatch.week", monday=monday, version=text))
    audit.record("change", "plan", [plan.id])
    flash(_("第%(n)s版を公開しました", n=plan.version) if changed else _("第%(n)s版は公開済みです", n=plan.version))
    return redirect(url_for("dispatch.week", monday=monday, version=plan.version))


@bp.route("/weeks/<monday>/map/<day>/<int:vehicle_id>")
def shift_map(monday: str, day: str, vehicle_id: int):
    """Show one shift's route on the instance's own road graph (Leaflet, no tiles)."""
    week_start = parse_monday(monday)
    when = parse_day(day, field="day")
    plan = get_store().plans.get(week_start, query_int("version"))
    if plan is None or not any(s.vehicle_id == vehicle_id and s.day == when for s in plan.stops):
        abort(404)
    data_url = url_for("api.shift_map", monday=monday, day=day, vehicle_id=vehicle_id, version=plan.version)
    return render_template("dispatch/map.html", plan=plan, day=when, vehicle=get_store().vehicles.get(vehicle_id),
                           data_url=data_url, leaflet_version=LEAFLET_VERSION, colours=KIND_COLOURS)


@bp.route("/weeks/<monday>/sheet/<day>/<int:vehicle_id>")
def sheet(monday: str, day: str, vehicle_id: int):
    """Show one shift's stop sheet (運行表) of a plan version (``?version=N``, default the latest), to print."""
    week_start = parse_monday(monday)
    when = parse_day(day, field="day")
    plan = get_store().plans.get(week_start, query_int("version"))
    sheet = shift_sheet(plan, vehicle_id, when)
    return render_sheet(sheet, back_url=url_for("dispatch.week", monday=monday, version=plan.version),
                        pdf_url=url_for("api.sheet_pdf", day=day, vehicle_id=vehicle_id, version=plan.version))


@bp.route("/today", endpoint="today")
def today_():
    """Open today's 今日の運行 (the city's today)."""
    return redirect(url_for("dispatch.day", day=clock.today().isoformat()))


@bp.route("/days/<day>", endpoint="day")
def live_day_(day: str):
    """今日の運行: every vehicle's stops of the day as they happen, the broken windows, one vehicle's map."""
    when = parse_day(day, field="day")
    store = get_store()
    screen = day_screen(store, day_live(when))
    audit.record("view", "resident", screen.resident_ids)
    shown = query_int("vehicle")
    section = next((v for v in screen.vehicles if v.vehicle_id == shown), screen.vehicles[0] if screen.vehicles else None)
    map_url = url_for("api.shift_map", monday=screen.plan.week_start.isoformat(), day=day,
                      vehicle_id=section.vehicle_id, version=screen.plan.version) if section else None
    return render_template("dispatch/day.html", s=screen, map_vehicle=section, map_url=map_url,
                           colours=KIND_COLOURS, states=STATE_WORDS, leaflet_version=LEAFLET_VERSION,
                           states_shown={code: _(words) for code, words in STATE_WORDS.items()},
                           refresh_s=int(current_app.config["ODEKAKE_LIVE_REFRESH_S"]),
                           one_day=dt.timedelta(days=1), today=clock.today(), services=service_words(),
                           **_day_actions(store, when))


def _day_actions(store, day: dt.date) -> dict:
    """What the day screen's locks, 再計画, 運休 and 移動 forms need."""
    monday = day - dt.timedelta(days=day.weekday())
    now = clock.now()
    return {"locks": lock_index(store, day, day), "can_replan": allowed("dispatch.replan", current_user.role),
            "fleet": store.vehicles.active(), "outage_reasons": OUTAGE_REASONS, "here": request.full_path,
            "week_days": [monday + dt.timedelta(days=k) for k in range(6)],
            "now_hhmm": now.strftime("%H:%M") if now.date() == day else "", "day_job": _day_job(store, day)}


def _day_job(store, day: dt.date) -> dict | None:
    """The day job (re-plan, outage, closed road) queued or running on the day, for its progress box."""
    job = store.jobs.active_on([day])
    return job_json(job) if job is not None else None


@bp.route("/days/<day>/calls", endpoint="calls")
def calls_(day: str):
    """連絡リスト: the residents to phone because the ETAs leave their told window, with what to say; printable."""
    live = day_live(parse_day(day, field="day"))
    found = day_calls(live)
    residents = call_residents(found)
    audit.record("view", "resident", sorted(residents))
    vehicles = {v.id: v.name for v in get_store().vehicles.all()}
    replan = published_replan_calls(get_store(), live.plan, live.day)
    if replan is not None:
        audit.record("view", "resident", sorted(replan.residents))
    return render_template("dispatch/calls.html", live=live, rows=call_rows(found, residents, vehicles),
                           reasons=REASON_WORDS, outcomes=OUTCOME_WORDS, labels=get_store().id_labels(),
                           replan=replan, vehicles=vehicles)


@bp.route("/calls/<int:call_id>", methods=["POST"])
def call_note(call_id: int):
    """Note what came of a call from the call list's form (取消希望 cancels the request); back to the list."""
    outcome = request.form.get("outcome", "")
    day = get_store().plan_stops.get(call_id).day
    try:
        note_call(call_id, outcome, request.form.get("note", ""), user=current_user.login)
    except InputError as exc:
        flash(_("記録できません") + f": {message(exc)}", "error")
    else:
        flash(_("記録しました。依頼を取り消しました") if outcome == "cancel" else _("記録しました"))
    return redirect(url_for("dispatch.calls", day=day.isoformat(), _anchor=f"call-{call_id}"))
