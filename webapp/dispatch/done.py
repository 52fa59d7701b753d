"""完了 recorded from the dispatcher's 今日の運行 (issue 27): what was handled, as the tablet records it.

A crew that phones in (or a tablet that broke) has its stop recorded done from the day screen with
the tablet's own form: the counters pre-filled as on the tablet (`webapp.driver.handled.prefills`:
the requested services, walk-ins at a hall session, boxes and the amount for an errand, passengers
for a ride; the partial ``driver/_handled.html``), read back and checked the same way
(`handled_from_form`, `scheduler.evidence.records.report_at_stop`). A plain form with its CSRF
token (no script needed); the answer goes back to the day screen with what was recorded, or why
not, in the screen's language. Dispatchers and admins.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from routing.errors import InputError
from scheduler.evidence.records import report_at_stop
from scheduler.store.errors import NotFound
from webapp import audit, clock
from webapp.db import get_store
from webapp.driver import service_words
from webapp.driver.handled import handled_from_form, prefills
from webapp.i18n import N_
from webapp.messages import message, problem
from webapp.plan_views import on_published_route, published_route

__all__ = ["register"]


def stop_done(stop_id: int):
    """Record 完了 at a stop of a published route with what was handled (the tablet's fields and checks)."""
    store = get_store()
    try:
        stop = store.plan_stops.get(stop_id)
    except NotFound:
        abort(404)
    if stop.vehicle_id is None or not on_published_route(store, stop_id, stop.vehicle_id):
        abort(404)
    _plan, row = published_route(store, stop.vehicle_id, stop.day)
    cards = [c for c in (row.stops if row else []) if c.id == stop_id]
    now = clock.now()
    try:
        handled = handled_from_form(request.form, prefills(store, cards).get(stop_id))
        req, _record = report_at_stop(store, stop_id, "done", handled=handled, user=current_user.login,
                                      today=now.date(), now=now)
    except InputError as exc:
        flash(_("記録できません。") + _worded(exc), "error")
    else:
        audit.record("change", "request", [req.id])
        flash(_("完了を記録しました: %(place)s", place=cards[0].place if cards else ""))
    return redirect(url_for("dispatch.day", day=stop.day.isoformat(), vehicle=stop.vehicle_id,
                            _anchor=f"stop-{stop_id}"), code=303)


#: The words of a ``handled`` field an error names (a service's counters are named by the service).
_HANDLED_WORDS = {"boxes": N_("届けた箱"), "passengers": N_("乗車人数"), "collected_yen": N_("集金額"),
                  "services": N_("用件"), "walk_ins": N_("当日受付（予約なし）")}


def _worded(exc: InputError) -> str:
    """The error in the screen's language, a ``handled.services.<code>`` field named as the counter's label."""
    parts = (exc.field or "").split(".")
    if parts[0] != "handled" or len(parts) < 2 or parts[1] not in _HANDLED_WORDS:
        return message(exc)
    label = _(_HANDLED_WORDS[parts[1]])
    if len(parts) > 2:
        label = f"{label}（{service_words().get(parts[2], parts[2])}）"
    return f"{label}: {problem(exc)}"


def register(bp: Blueprint) -> None:
    """Add the view to the dispatcher's blueprint (`webapp.dispatch`)."""
    bp.add_url_rule("/stops/<int:stop_id>/done", "stop_done", stop_done, methods=["POST"])
