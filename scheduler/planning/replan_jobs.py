"""Re-planning days as background jobs (issue 26): the rest of a day, a van out of service, a closed road.

A day job (`scheduler.plan_job.PlanJob` of a kind in `DAY_JOB_KINDS`) holds its
days (one active day job per day, `scheduler.store.Store.add_job`) and in
``args`` what it needs: the city's ``now`` it re-plans from, the call margin,
and per kind

- ``day_replan``: nothing more (`scheduler.planning.replan_day.replan_day` of its day);
- ``outage``: ``vehicle``, ``from``, ``until``, ``reason``, ``note``
  (`scheduler.planning.outages.record_outage`: the shift exceptions are stored
  when the job runs);
- ``closure``: ``closure_id``, the stored closure whose days it re-plans.

`run_day_job` runs it; its result (`job_result`) is what the API answered
in the request before (201): per day re-planned the derived version, the
residents moved, the diff and whom to phone, ids and times only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from scheduler.domain import Plan, hhmm, week_monday
from scheduler.planning.outages import record_outage
from scheduler.planning.replan_day import DEFAULT_MARGIN_S, DayReplan, replan_day
from scheduler.vrp.params import SolveParams

if TYPE_CHECKING:
    from scheduler.matrices import MatrixProvider
    from scheduler.plan_job import PlanJob
    from scheduler.store import Store

__all__ = ["replan_days", "replan_json", "run_day_job"]


def replan_json(result: DayReplan) -> dict:
    """Return a day's re-plan as the API answers it: the version, moved, the diff, the calls."""
    plan = result.plan
    return {
        "week": plan.week_start.isoformat(), "version": plan.version, "status": plan.status.value,
        "day": plan.summary["change"]["day"], "moved": result.moved, "served": plan.summary["served"],
        "unassigned": plan.summary["unassigned"], "derived_from": result.base.version,
        "diff": {"moved": [{"request_id": m["request_id"], "delta_s": m["delta_s"]} for m in result.diff.moved],
                 "reassigned": [{"request_id": m["request_id"], "vehicle_id": m["new"]["vehicle_id"],
                                 "delta_s": m["delta_s"]} for m in result.diff.reassigned],
                 "newly_unassigned": [{"request_id": u["request_id"], "reason": u["reason"]}
                                      for u in result.diff.newly_unassigned]},
        "calls": [{"request_id": c.request_id, "reason": c.reason, "told": f"{hhmm(c.told.start_s)}–{hhmm(c.told.end_s)}",
                   "expected": hhmm(c.expected_s) if c.expected_s is not None else None, "moved_s": c.moved_s,
                   "vehicle_id": c.vehicle_id, "detail": c.detail} for c in result.calls],
    }


def replan_days(store: Store, network: MatrixProvider, days: list[dt.date], *, now: dt.datetime, user: str,
                params: SolveParams | None = None, margin_s: int = DEFAULT_MARGIN_S,
                on_phase: Callable[[str], None] | None = None) -> list[DayReplan]:
    """Re-plan each day from now on whose week has a published plan; days of one week chain (as an outage's)."""
    latest: dict[dt.date, Plan] = {}
    out = []
    for day in sorted(days):
        week = week_monday(day)
        if day < now.date() or store.plans.published(week) is None:
            continue
        result = replan_day(store, network, day, now=now, user=user, params=params, margin_s=margin_s,
                            base=latest.get(week), on_phase=on_phase)
        latest[week] = result.plan
        out.append(result)
    return out


def run_day_job(store: Store, network: MatrixProvider, job: PlanJob,
                on_phase: Callable[[str], None] | None = None) -> tuple[Plan | None, dict]:
    """Run a day job; return the last version it stored (None: none) and its result (module docstring)."""
    args = job.args
    now = dt.datetime.fromisoformat(args["now"])
    margin_s = int(args.get("margin_s", DEFAULT_MARGIN_S))
    params = SolveParams.from_dict(job.params)
    result: dict = {}
    if job.kind == "day_replan":
        replans = [replan_day(store, network, job.days[0], now=now, user=job.created_by, params=params,
                              margin_s=margin_s, on_phase=on_phase)]
    elif job.kind == "outage":
        out = record_outage(store, network, int(args["vehicle"]), dt.datetime.fromisoformat(args["from"]),
                            dt.datetime.fromisoformat(args["until"]), args["reason"], now=now, user=job.created_by,
                            note=args.get("note", ""), params=params, margin_s=margin_s, on_phase=on_phase)
        replans = out.replans
        result = {"vehicle": int(args["vehicle"]),
                  "exceptions": [{"id": e.id, "day": e.day.isoformat(), "start": e.start_s, "end": e.end_s}
                                 for e in out.exceptions],
                  "skipped_days": [d.isoformat() for d in out.skipped_days]}
    else:  # closure
        replans = replan_days(store, network, list(job.days), now=now, user=job.created_by, params=params,
                              margin_s=margin_s, on_phase=on_phase)
        result = {"closure_id": args.get("closure_id")}
    result["replans"] = [replan_json(r) for r in replans]
    result["versions"] = [r.plan.version for r in replans]
    return (replans[-1].plan if replans else None), result
