"""When the day changes (issue 26): the dispatcher's locks (鍵), 残りを再計画, 運休 and 移動 as forms on the screens.

Every action is a POST form with its CSRF token and works without JavaScript:

- 鍵 / 鍵を外す (``dispatch.lock``, ``dispatch.unlock``): a stop, a shift or a day, back to the page it came from;
- 残りを再計画 (``dispatch.replan``) and 運休 (``dispatch.outage``: a van out of service from a time, default now,
  until a time, default the end of the day) queue a day job (`webapp.api.replan`) and open its progress page
  (``dispatch.job``, as planning a week does); once done it leads to the result (`day_job_done`,
  ``dispatch.replanned``): who moves and by how much (the comparison with the version before), and whom to
  phone, with links to compare and publish it;
- 移動 (``dispatch.move``): a request's new vehicle and day previewed (new times, residents it moves beyond the
  margin, or why it cannot be moved), then 保存 (``dispatch.move_save``) stores a draft and opens its comparison.

The call list (連絡リスト) of a day whose published version is a re-plan of it lists whom that
re-plan needs phoned (`published_replan_calls`): the told times come from the version residents were
told (`scheduler.live.day.told_version`: the published one it derives from, past other re-plans).

`register` adds the views to the dispatcher's blueprint (this module does not import it: no import circle).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from routing.errors import InputError
from scheduler.domain import (
    SHIFT_EXCEPTION_REASONS,
    Plan,
    Request,
    Resident,
    week_monday,
)
from scheduler.live.day import told_version
from scheduler.locks import LockConflict
from scheduler.plan_job import DAY_JOB_KINDS, JobState, PlanJob
from scheduler.planning.moves import move_request
from scheduler.planning.replan_calls import ReplanCall, replan_calls
from scheduler.store import Store
from webapp import audit, clock
from webapp.api.moves import MOVE_WORDS
from webapp.api.replan import call_margin_s, queue_outage, queue_replan
from webapp.args import parse_day, parse_monday
from webapp.db import get_store, road_network
from webapp.kinds import KIND_COLOURS
from webapp.locks import new_lock
from webapp.messages import message
from webapp.publishing import compare_versions

__all__ = ["OUTAGE_REASONS", "ReplanCalls", "day_job_done", "published_replan_calls", "register", "replan_calls_of"]

#: The reasons a van is out of service the form offers (`scheduler.domain.SHIFT_EXCEPTION_REASONS` but extra duty).
OUTAGE_REASONS = tuple(r for r in SHIFT_EXCEPTION_REASONS if r != "extra_duty")


def _back(default: str) -> str:
    """Return the page the form came from (a path of this site only), else `default`."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


def _form_int(name: str) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 18:  # isdigit() is true of ², which int() refuses
        raise InputError.of(name, "expected a whole number, got {value!r}", value=text[:20])
    return int(text)


def lock():
    """鍵: lock a stop (``stop_id``), a shift (``vehicle``, ``day``) or a day (``day``); back to the page."""
    day_text = request.form.get("day", "")
    back = _back(url_for("dispatch.today"))
    try:
        stop_id, vehicle = _form_int("stop_id"), _form_int("vehicle")
        day = parse_day(day_text, field="day") if stop_id is None else None
        new_lock(get_store(), user=current_user.login, stop_id=stop_id, vehicle_id=vehicle, day=day)
    except LockConflict:
        flash(_("すでに鍵がかかっています"), "error")
    except InputError as exc:
        flash(_("鍵をかけられません") + f": {message(exc)}", "error")
    else:
        flash(_("鍵をかけました"))
    return redirect(back)


def unlock(lock_id: int):
    """鍵を外す: remove a lock; back to the page."""
    get_store().locks.delete(lock_id)
    flash(_("鍵を外しました"))
    return redirect(_back(url_for("dispatch.today")))


def _queued(job: PlanJob, created: bool):
    """Open the job's progress page (its result once done); a day job already in the way is said so."""
    if not created:
        flash(_("この日の再計画は実行中です。終わるまでお待ちください"), "error")
    return redirect(url_for("dispatch.job", job_id=job.id))


def replan(day: str):
    """残りを再計画: queue the re-plan of the rest of the day from now as a draft version; follow its job."""
    when = parse_day(day, field="day")
    try:
        job, created = queue_replan(when, clock.now())
    except InputError as exc:
        flash(_("再計画できません") + f": {message(exc)}", "error")
        return redirect(url_for("dispatch.day", day=day))
    return _queued(job, created)


def _time_of(day: dt.date, name: str, default: dt.datetime) -> dt.datetime:
    """Return the form's ``HH:MM`` field `name` on `day`, or `default` when left empty."""
    text = request.form.get(name, "").strip()
    if not text:
        return default
    try:
        moment = dt.time.fromisoformat(text)
    except ValueError:
        raise InputError.of(name, "{text!r} is not a time like 8:30", text=text[:20]) from None
    return dt.datetime.combine(day, moment.replace(second=0, microsecond=0))


def outage(day: str):
    """運休: queue a van out of service from (default now) until (default the end of the day); follow its job."""
    when = parse_day(day, field="day")
    now = clock.now()
    try:
        vehicle = _form_int("vehicle")
        if vehicle is None:
            raise InputError.of("vehicle", "must not be empty")
        start = _time_of(when, "from", max(now, dt.datetime.combine(when, dt.time())))
        until = _time_of(when, "until", dt.datetime.combine(when + dt.timedelta(days=1), dt.time()))
        reason = request.form.get("reason", "other")
        if reason not in OUTAGE_REASONS:
            raise InputError.of("reason", "{value!r} is not one of {known}", value=reason[:20],
                                known=", ".join(OUTAGE_REASONS))
        job, created = queue_outage(vehicle, start, until, reason, request.form.get("note", "").strip()[:200])
    except InputError as exc:
        flash(_("運休を記録できません") + f": {message(exc)}", "error")
        return redirect(url_for("dispatch.day", day=day))
    return _queued(job, created)


def day_job_done(job: PlanJob):
    """Where a finished day job leads: its (last) re-plan's result, else the day with a word (None: stay)."""
    if job.state != JobState.DONE or job.kind not in DAY_JOB_KINDS:
        return None
    if job.result.get("replans"):
        last = job.result["replans"][-1]
        return redirect(url_for("dispatch.replanned", monday=last["week"], version=last["version"]))
    if job.kind == "outage":
        flash(_("運休を記録しました。再計画する公開済みの運行はありません"))
    return redirect(url_for("dispatch.day", day=job.days[0].isoformat()))


def replanned(monday: str, version: int):
    """The result of a re-plan: who moves and by how much, whom to phone; links to compare and publish it.

    A version that is not a re-plan of a day opens its comparison instead.
    """
    store = get_store()
    week = parse_monday(monday)
    plan = store.plans.get(week, version)
    if plan is None:
        abort(404)
    change = plan.summary.get("change", {})
    if change.get("kind") != "replan_day":  # another version: its comparison says what changed
        return redirect(url_for("dispatch.compare", monday=monday, version=version))
    day = dt.date.fromisoformat(change["day"])
    rc = replan_calls_of(store, plan)
    comparison = compare_versions(store, week, version)
    audit.record("view", "resident", sorted({*comparison.resident_ids, *rc.residents}))
    vehicles = {v.id: v.name for v in store.vehicles.all()}
    return render_template("dispatch/replanned.html", plan=plan, base=rc.base, day=day, c=comparison, rc=rc,
                           labels=store.id_labels(), vehicles=vehicles, colours=KIND_COLOURS,
                           outages=[vehicles.get(v, str(v)) for v in change.get("outages", [])])


@dataclass
class ReplanCalls:
    """Whom a re-planned version needs phoned (`scheduler.planning.replan_calls`), with their requests and residents."""

    base: Plan
    calls: list[ReplanCall] = field(default_factory=list)
    #: the version whose times residents were told (`scheduler.live.day.told_version`; `base`, or before it)
    told: Plan | None = None
    people: dict[int, Request] = field(default_factory=dict)
    residents: dict[int, Resident] = field(default_factory=dict)

    def whom(self, call: ReplanCall) -> list[Resident | None]:
        """Return the residents to phone about `call` (a hall session's: each one booked), ``[None]`` when nobody is known."""
        return [self.residents[i] for i in call.residents if i in self.residents] or [None]


def replan_calls_of(store: Store, plan: Plan) -> ReplanCalls:
    """Return the calls a re-plan of a day needs: told times from the version residents were told, against `plan`."""
    base = store.plans.get(plan.week_start, plan.summary.get("derived_from")) or plan
    day = dt.date.fromisoformat(plan.summary["change"]["day"])
    out = ReplanCalls(base, replan_calls(store, base, plan, day, call_margin_s()), told=told_version(store, base))
    out.people = {r.id: r for r in store.requests.with_ids([c.request_id for c in out.calls])}
    out.residents = {r.id: r for r in store.residents.with_ids({i for c in out.calls for i in c.residents})}
    return out



def published_replan_calls(store: Store, plan: Plan | None, day: dt.date) -> ReplanCalls | None:
    """Return the calls of the published version when it is a re-plan of `day` (the call list shows them), else None."""
    change = plan.summary.get("change", {}) if plan is not None else {}
    if change.get("kind") != "replan_day" or change.get("day") != day.isoformat():
        return None
    return replan_calls_of(store, plan)


def _move_target() -> tuple[int, dt.date]:
    source = request.form if request.method == "POST" else request.args
    text = source.get("vehicle", "")
    if not text.isdecimal() or len(text) > 18:  # isdigit() is true of ², which int() refuses
        raise InputError.of("vehicle", "expected a whole number, got {value!r}", value=text[:20])
    return int(text), parse_day(source.get("day", ""), field="day")


def move(request_id: int):
    """移動: preview a request's move to a vehicle and day (new times, whom it moves), or why it cannot be made."""
    store = get_store()
    req = store.requests.get(request_id)
    vehicle, day = _move_target()
    result = move_request(store, road_network(), request_id, vehicle, day, user=current_user.login, now=clock.now(),
                          margin_s=call_margin_s())
    labels = store.id_labels()
    audit.record("view", "request", [request_id])
    return render_template("dispatch/move.html", req=req, result=result, labels=labels, words=MOVE_WORDS,
                           vehicle_name=labels.vehicle(vehicle), back=request.args.get("back", ""),
                           week=week_monday(day))


def move_save(request_id: int):
    """保存: store the move as a draft version (validated) and open its comparison."""
    store = get_store()
    store.requests.get(request_id)
    vehicle, day = _move_target()
    result = move_request(store, road_network(), request_id, vehicle, day, user=current_user.login, now=clock.now(),
                          save=True, margin_s=call_margin_s())
    if not result.ok:
        flash(_("移動できません") + ": " + "; ".join(_(MOVE_WORDS.get(c, c)) for c in result.codes), "error")
        return redirect(url_for("dispatch.move", request_id=request_id, vehicle=vehicle, day=day.isoformat()))
    audit.record("change", "request", [request_id])
    flash(_("移動を第%(n)s版（下書き）として保存しました", n=result.plan.version))
    return redirect(url_for("dispatch.compare", monday=week_monday(day).isoformat(), version=result.plan.version))


def register(bp: Blueprint) -> None:
    """Add these views to the dispatcher's blueprint (`webapp.dispatch`)."""
    bp.add_url_rule("/locks", "lock", lock, methods=["POST"])
    bp.add_url_rule("/locks/<int:lock_id>/delete", "unlock", unlock, methods=["POST"])
    bp.add_url_rule("/days/<day>/replan", "replan", replan, methods=["POST"])
    bp.add_url_rule("/days/<day>/outage", "outage", outage, methods=["POST"])
    bp.add_url_rule("/weeks/<monday>/replanned/<int:version>", "replanned", replanned)
    bp.add_url_rule("/requests/<int:request_id>/move", "move", move)
    bp.add_url_rule("/requests/<int:request_id>/move", "move_save", move_save, methods=["POST"])
