"""The driver's day on a tablet (運転手・職員): today's route as large cards and the report buttons.

A driver sees only their own vehicle's route in the latest *published*
plan. Each button (到着 / 完了 / 不在 / 対応不可) is a plain form (works
without JavaScript and after a reload) that records the time as request
events (`scheduler.store.Store.mark_stop`) and brings the next card up.
A later day's route (tomorrow's, read the evening before) shows without
buttons and says when it can be recorded: a report ahead of the stop's day is
refused (`scheduler.domain.lifecycle.check_press_day`), on the tablet and in the API.

Each stop to come shows when it is now expected (見込み) and how late against the
window its resident was told (約n分遅れ), done stops what happened
(`webapp.driver.timing`). With JavaScript (``static/driver.js``) a press is
kept on the tablet with the time it happened and sent to
``POST /api/stops/<id>/status`` (sent later, in order, when there is no signal);
the service worker (``/driver/sw.js``, ``static/sw.js``) keeps the day's page and
its assets so that the route opens without signal.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, ValidationError

from routing.errors import InputError
from scheduler.domain import week_monday
from scheduler.domain.lifecycle import StopAction, check_press_day
from scheduler.evidence.records import report_at_stop
from webapp import audit, clock
from webapp.args import parse_day
from webapp.db import get_store
from webapp.driver.handled import handled_from_form, prefills
from webapp.driver.timing import card_times
from webapp.i18n import date_label, language
from webapp.messages import message
from webapp.plan_views import on_published_route, published_route
from webapp.sheet import render_sheet, shift_sheet

bp = Blueprint("driver", __name__, url_prefix="/driver", template_folder="templates",
               static_folder="static", static_url_path="/static")


class ReportForm(FlaskForm):
    """One button's report; the reason is required for 対応不可."""

    action = HiddenField(validators=[AnyOf([a.value for a in StopAction])])
    note = StringField(lazy_gettext("対応不可の理由"))

    def validate_note(self, field) -> None:
        """Require the reason when the request could not be served."""
        if self.action.data == StopAction.CANNOT_SERVE.value and not (field.data or "").strip():
            raise ValidationError(_("理由を入力してください"))


def _day() -> dt.date:
    text = request.args.get("day")
    return parse_day(text, field="day") if text else clock.today()


@bp.route("/")
def today():
    """Today's route (``?day=`` another day of a published plan) as cards, the next stop first in view."""
    day = _day()
    if current_user.vehicle_id is None:
        abort(403)
    store = get_store()
    plan, row = published_route(store, current_user.vehicle_id, day)
    if row is not None:
        audit.record("view", "resident", row.resident_ids)
    upcoming = _published_days(store, current_user.vehicle_id, day) if row is None else []
    return _page(day, plan, row, upcoming=upcoming, form=ReportForm())


def service_words() -> dict[str, str]:
    """Each service code's name in the screen's language (the catalogue's Japanese or English name)."""
    english = language() == "en"
    return {s.code: (s.name_en or s.name_ja) if english else s.name_ja for s in get_store().services.all()}


def _card(store, stop):
    """The card of one plan stop (its route's row), for its pre-fill."""
    _plan, row = published_route(store, current_user.vehicle_id, stop.day)
    return next(c for c in row.stops if c.id == stop.id)


def _page(day: dt.date, plan, row, *, upcoming: list[dt.date], form: ReportForm, failed_stop: int | None = None,
          error: str = ""):
    """Render the day's cards; a later day's without buttons, with the day it can be recorded on."""
    ahead = _ahead_note(day)
    times = card_times(day, current_user.vehicle_id) if row is not None else {}
    server_now = clock.now().replace(tzinfo=clock.zone()).isoformat()
    return render_template("driver/today.html", day=day, plan=plan, row=row, upcoming=upcoming,
                           vehicle=get_store().vehicles.get(current_user.vehicle_id), form=form,
                           failed_stop=failed_stop, ahead=ahead, error=error, times=times, server_now=server_now,
                           page_id=secrets.token_hex(8), services=service_words(),
                           prefill=prefills(get_store(), row.stops) if row is not None and not ahead else {})


@bp.route("/sw.js")
def service_worker():
    """The tablet's service worker: served from /driver/ so that its scope covers the driver's pages (no data)."""
    return Response((Path(bp.static_folder) / "sw.js").read_bytes(), mimetype="text/javascript")


def _ahead_note(day: dt.date) -> str:
    """Say that `day` is after today and its stops are recorded on the day ('' for today or earlier)."""
    try:
        check_press_day(day, clock.today())
    except InputError:
        if day == clock.today() + dt.timedelta(days=1):
            return _("明日の運行です。到着・完了などは当日に記録できます")
        return _("%(day)sの運行です。到着・完了などは当日に記録できます", day=date_label(day))
    return ""


@bp.route("/sheet/<day>")
def sheet(day: str):
    """The stop sheet (運行表) of the driver's own vehicle on `day` in the published plan, to print."""
    when = parse_day(day, field="day")
    if current_user.vehicle_id is None:
        abort(403)
    plan = get_store().plans.published(week_monday(when))
    sheet = shift_sheet(plan, current_user.vehicle_id, when)
    return render_sheet(sheet, back_url=url_for("driver.today", day=when.isoformat()),
                        pdf_url=url_for("api.sheet_pdf", day=when.isoformat(), vehicle_id=current_user.vehicle_id))


def _published_days(store, vehicle_id: int, day: dt.date) -> list[dt.date]:
    """Days with a published route of this vehicle in the current and next week (when today has none)."""
    days: set[dt.date] = set()
    monday = day - dt.timedelta(days=day.weekday())
    for week in (monday, monday + dt.timedelta(days=7)):
        plan = store.plans.published(week)
        if plan is not None:
            days |= {s.day for s in plan.stops if s.vehicle_id == vehicle_id and s.day >= day}
    return sorted(days)


@bp.route("/stops/<int:stop_id>/report", methods=["POST"])
def report(stop_id: int):
    """Record a button (到着 / 完了 / 不在 / 対応不可) at a stop of the driver's published route."""
    store = get_store()
    if not on_published_route(store, stop_id, current_user.vehicle_id):
        abort(404)
    stop = store.plan_stops.get(stop_id)
    form = ReportForm()
    ahead = _ahead_note(stop.day)
    if ahead or not form.validate_on_submit():
        plan, row = published_route(store, current_user.vehicle_id, stop.day)
        audit.record("view", "resident", row.resident_ids if row else [])
        return _page(stop.day, plan, row, upcoming=[], form=form, failed_stop=stop_id,
                     error=_("記録できません。") + ahead if ahead else ""), 400
    now = clock.now()
    try:
        handled = handled_from_form(request.form, prefills(store, [_card(store, stop)]).get(stop_id)) \
            if form.action.data == StopAction.DONE.value else None
        req, _record = report_at_stop(store, stop_id, form.action.data, handled=handled, user=current_user.login,
                                      note=form.note.data or "", today=now.date(), now=now)
    except InputError as exc:
        plan, row = published_route(store, current_user.vehicle_id, stop.day)
        audit.record("view", "resident", row.resident_ids if row else [])
        return _page(stop.day, plan, row, upcoming=[], form=form, failed_stop=stop_id,
                     error=_("記録できません。") + message(exc)), 400
    audit.record("change", "request", [req.id])
    flash(_("記録しました"))
    return redirect(url_for("driver.today", day=stop.day.isoformat(), _anchor="next"))
