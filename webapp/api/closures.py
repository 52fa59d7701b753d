"""Road closures (通行止め) as JSON: ``POST /api/closures``, ``GET /api/closures``, ``DELETE /api/closures/<id>``.

- ``POST /api/closures`` ``{"way_ids": [123, ...]}`` or ``{"points": [[lat, lon], [lat, lon]]}``
  (the fastest road between them), with ``"from"`` and ``"until"`` (ISO 8601; without an offset,
  the city's time) and an optional ``"note"``: 201 with the closure and ``affects``: the published
  plan of the first week it touches from today on, how many pairs of its places have a fastest
  path along the closed roads, and the sites and residents (city ids) no depot can reach any more.
  ``replan``: the published days (from today on, within its period) with a leg still to drive whose
  travel time changed or has no road left (`scheduler.closures.affected_days`), how many legs, the
  stops still to come it cuts off (``unreachable_stops``: stop, request, vehicle, day), and the day
  job that re-plans those days (kind ``closure``, ``GET /api/jobs/<id>``; null when no day is
  touched). ``queued`` is false when a day job already held one of the days: ``job`` is that one,
  and the days are re-planned once it is done (残りを再計画). Bad input is a 400 naming the field;
  periods may overlap.
- ``GET /api/closures``: every closure, by start.
- ``DELETE /api/closures/<id>``: removes a closure entered by mistake; with ``{"until": ISO}`` the
  closure stays on record and ends then (the road reopened early). 404 when there is no such closure.

Planning applies each closure on its own days only: a week's days with a closure drive on their own
matrix (`scheduler.closures.day_providers`); a day's re-plan on that day's closures (`day_provider`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from routing.errors import InputError
from scheduler.closures import ClosureReport, RoadClosure, affected_days, record_closure
from webapp import audit, clock
from webapp.api.blueprint import bp, json_body
from webapp.api.replan import REPLAN_TIME_LIMIT_S, call_margin_s
from webapp.args import check_day, parse_moment
from webapp.db import get_store, road_network
from webapp.job_queue import job_json, start_day_job

__all__: list[str] = []


def _moment(value: Any, field: str) -> dt.datetime:
    """An ISO 8601 time; with an offset turned into the city's time, without one taken as the city's."""
    if isinstance(value, str) and len(value) > 10:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            check_day(moment.date(), field)
            return moment.replace(microsecond=0)
    return parse_moment(value, field=field)


def _way_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise InputError.of("way_ids", "expected a list of OSM way ids such as [123456]")
    for w in value:
        if isinstance(w, bool) or not isinstance(w, int) or not 0 < w < 2**63:
            raise InputError.of("way_ids", "{way!r} is not an OSM way id", way=w)
    return tuple(value)


def _points(value: Any) -> tuple[tuple[float, float], ...]:
    ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(p, list) and len(p) == 2
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in p)
        for p in value)
    if not ok:
        raise InputError.of("points", "expected two points [[lat, lon], [lat, lon]]")
    return tuple((float(p[0]), float(p[1])) for p in value)


def closure_from_json(data: dict) -> RoadClosure:
    """Read a closure from a request body; a bad field is an `InputError` naming it."""
    if ("way_ids" in data) == ("points" in data):
        raise InputError.of("way_ids", "give the road either as way_ids or as two points (exactly one of them)")
    road = {"way_ids": _way_ids(data["way_ids"])} if "way_ids" in data else {"points": _points(data["points"])}
    note = data.get("note", "")
    if not isinstance(note, str):
        raise InputError.of("note", "expected text")
    return RoadClosure(start=_moment(data.get("from"), "from"), end=_moment(data.get("until"), "until"),
                       note=note, **road)


def closure_json(c: RoadClosure) -> dict:
    """A stored closure as JSON."""
    return {"id": c.id, "from": c.start.isoformat(), "until": c.end.isoformat(), "note": c.note,
            "way_ids": list(c.way_ids), "points": [list(p) for p in c.points], "edges": len(c.edges),
            "created_by": c.created_by, "created_at": c.created_at.isoformat() if c.created_at else None}


def report_json(report: ClosureReport) -> dict:
    """What a new closure affects, as JSON."""
    return {"week": report.week.isoformat(), "published": report.published, "roads": report.roads,
            "places": report.places, "pairs": report.pairs,
            "unreachable": {"sites": [i for kind, i in report.unreachable if kind == "site"],
                            "residents": [i for kind, i in report.unreachable if kind == "resident"]}}


@bp.route("/closures", methods=["POST"], endpoint="closure_add")
def closure_add():
    """Close a road: ``{"way_ids": [...]}`` or ``{"points": [[lat, lon], [lat, lon]]}``, ``from``, ``until``, ``note``."""
    closure = closure_from_json(json_body())
    store = get_store()
    report = record_closure(store, road_network(), closure, today=clock.today(), user=current_user.login,
                            now=clock.now())
    audit.record("change", "road_closure", [report.closure.id])
    return jsonify(closure=closure_json(report.closure), affects=report_json(report),
                   replan=_replan_affected(store, report.closure)), 201


def _replan_affected(store, closure: RoadClosure) -> dict:
    """Queue the re-plan of the published days the closure touches (a ``closure`` day job); what it found."""
    affected = affected_days(store, road_network(), closure, now=clock.now())
    job, created = None, False
    if affected.days:
        job, created = start_day_job(store, "closure", affected.days,
                                     {"closure_id": closure.id, "margin_s": call_margin_s()},
                                     user=current_user.login, time_limit_s=REPLAN_TIME_LIMIT_S)
    return {"days": [d.isoformat() for d in affected.days], "legs": affected.legs,
            "unreachable_stops": affected.unreachable, "job": job_json(job) if job is not None else None,
            "queued": created}


@bp.route("/closures", endpoint="closures")
def closures():
    """Every road closure, by start."""
    return jsonify(closures=[closure_json(c) for c in get_store().road_closures.all()])


@bp.route("/closures/<int:closure_id>", methods=["DELETE"], endpoint="closure_remove")
def closure_remove(closure_id: int):
    """Remove a closure entered by mistake; with ``{"until": ISO}`` keep it on record, ending then (reopened early)."""
    store = get_store()
    data = json_body() if request.content_length else {}
    if data.get("until") is None:
        store.road_closures.delete(closure_id)
        audit.record("change", "road_closure", [closure_id])
        return jsonify(id=closure_id, removed=True)
    closure = store.road_closures.get(closure_id)
    closure = store.road_closures.update(dataclasses.replace(closure, end=_moment(data["until"], "until")))
    audit.record("change", "road_closure", [closure_id])
    return jsonify(closure=closure_json(closure), removed=False)
