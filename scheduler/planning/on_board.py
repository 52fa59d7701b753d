"""Requests under way when a day is re-planned: riders and goods on board as jobs of the van that carries them.

A request already dispatched (its pick-up done) has stops still to come on
the van it rode in: `under_way_jobs` makes each a job at that stop carrying
what it sets down (the van starts loaded with it), with the window told when
its resident waits for it (an errand's delivery); `under_way_steps` fixes a
rider's drop-off first on the van and locks goods on board to it (delivered
when its route best allows, a commitment). Used by
`scheduler.planning.replan_day`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.compiler import CompiledWeek, TaskRef
from scheduler.domain import Plan, PlanStop, Request, RequestKind, city_id, week_seconds

__all__ = ["under_way_jobs", "under_way_steps"]


class Van(Protocol):
    """What is read of a van (`scheduler.planning.replan_day.VanState`): its stops and those under way."""

    frozen: list[PlanStop]
    rest: list[PlanStop]
    under_way: list[PlanStop]


def _amounts(before: Sequence[int], after: Sequence[int]) -> tuple[list[int], list[int]]:
    """Return what a stop set down and picked up, from the van's load before and after it."""
    down = [max(0, b - a) for b, a in zip(before, after, strict=False)]
    up = [max(0, a - b) for b, a in zip(before, after, strict=False)]
    return down, up


def under_way_jobs(compiled: CompiledWeek, van: Van, requests: dict[int, Request],
                   next_id: int, published: Plan) -> tuple[list[dict], dict[int, TaskRef]]:
    """Return a van's stops to come of requests already under way as jobs and their refs.

    Each carries what it sets down (the van starts loaded with it) and, when
    its resident waits for it (an errand's delivery), the window they were told.
    """
    jobs, refs = [], {}
    loads = {s.seq: s.load for s in van.frozen + van.rest}
    for stop in van.under_way:
        before = loads.get(stop.seq - 1) or loads.get(max((q for q in loads if q < stop.seq), default=-1), ())
        down, up = _amounts(before, stop.load)
        job = {"id": next_id, "description": f"request {city_id(requests[stop.request_id])} {stop.step_type}",
               "location_index": compiled.extra_indices[f"stop{stop.id}"], "setup": 0,
               "service": stop.departure_s - stop.start_s}
        if any(down):
            job["delivery"] = down
        if any(up):
            job["pickup"] = up
        job.update(_told(compiled, requests[stop.request_id], stop, published))
        jobs.append(job)
        refs[next_id] = TaskRef(stop.request_id, stop.step_type, requests[stop.request_id].kind,
                                job["location_index"], site_id=stop.site_id, resident_id=stop.resident_id,
                                day=stop.day, part=stop.part or 0)
        next_id += 1
    return jobs, refs


def _told(compiled: CompiledWeek, req: Request, stop: PlanStop, published: Plan) -> dict:
    """Return the told time of an under-way stop its resident waits for (``told_start``/``told_end``), else {}."""
    stops = [s for s in published.stops if s.request_id == req.id]
    waited, told = waited_stop(req, stops), told_from_stops(req, stops)
    if told is None or waited is None or (waited.step_type, waited.part) != (stop.step_type, stop.part):
        return {}
    return {"told_start": week_seconds(compiled.week_start, told.day, told.start_s),
            "told_end": week_seconds(compiled.week_start, told.day, told.end_s)}


def under_way_steps(jobs: list[dict], refs: dict[int, TaskRef]) -> list[dict]:
    """Return a van's steps for its under-way jobs: a rider's drop-off fixed first, goods on board locked to it.

    A rider on board is set down before anything else; an errand's goods stay
    on the van and are delivered when its route best allows (a commitment:
    priority 100, so they are never left out while the van can reach them).
    """
    fixed, locked = [], []
    for job in jobs:
        if refs[job["id"]].request_kind == RequestKind.RIDE:
            fixed.append({"type": "job", "id": job["id"], "fixed": True})
        else:
            job["priority"] = 100
            locked.append({"type": "job", "id": job["id"], "locked": True})
    return fixed + locked
