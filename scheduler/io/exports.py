"""Export a plan version for staff: CSV (one row per stop) and JSON.

The rows are for dispatchers and drivers and therefore carry residents' names,
addresses and doorstep notes; never log them. Write them to files with
`routing.files.write_atomic` (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from scheduler.domain import (
    DAY_S,
    ErrandDetails,
    Plan,
    RequestKind,
    RideDetails,
    SessionDetails,
    VisitDetails,
    hhmm,
)

__all__ = ["COLUMNS", "plan_csv", "plan_json", "plan_rows"]

#: Columns of the CSV export, in order.
COLUMNS = ("day", "vehicle", "seq", "eta", "start", "kind", "request", "place", "resident",
           "todo", "collect_yen", "notes")


class _Lookup:
    """Cache of the store reads an export needs (each id read once)."""

    def __init__(self, store: Any):
        self.store = store
        self.sites = {s.id: s for s in store.sites()}
        self.vehicles = {v.id: v for v in store.vehicles(active_only=False)}
        self.services = {s.code: s for s in store.services()}
        self._residents: dict[int, Any] = {}
        self._requests: dict[int, Any] = {}

    def resident(self, rid: int | None):
        if rid is None:
            return None
        if rid not in self._residents:
            self._residents[rid] = self.store.get_resident(rid)
        return self._residents[rid]

    def request(self, rid: int | None):
        if rid is None:
            return None
        if rid not in self._requests:
            self._requests[rid] = self.store.get_request(rid)
        return self._requests[rid]


def _todo(step_type: str, req: Any, lk: _Lookup) -> str:
    if step_type == "start":
        return "出発 / leave the depot"
    if step_type == "end":
        return "帰着 / back at the depot"
    if step_type == "break":
        return "昼休憩 / lunch break"
    d = req.details
    if isinstance(d, VisitDetails):
        names = [lk.services[c] for c in d.services if c in lk.services]
        return "訪問: " + "、".join(s.name_ja for s in names) + " / visit: " + ", ".join(s.name_en for s in names)
    if isinstance(d, SessionDetails):
        return f"巡回窓口 {d.session_s // 60}分 / hall session {d.session_s // 60} min"
    if isinstance(d, ErrandDetails):
        cold = " 要冷蔵 chilled" if d.chilled else ""
        if step_type == "pickup":
            return f"受取 / collect order{cold}: {d.order}".rstrip(": ")
        return f"配達 {d.boxes}箱 / deliver {d.boxes} box(es){cold}"
    if isinstance(d, RideDetails):
        chair = " 車椅子 wheelchair" if d.wheelchair else ""
        if step_type == "pickup":
            return f"乗車 {d.seats}名 / pick up {d.seats} passenger(s){chair}"
        return f"降車 / drop off{chair}"
    return step_type


def plan_rows(plan: Plan, store: Any) -> list[dict]:
    """Return one row per stop of a plan, in day, vehicle, sequence order.

    Parameters
    ----------
    plan
        A plan version with its stops (`Store.get_plan`).
    store
        The store, for names of places, vehicles, residents and services.

    Returns
    -------
    list of dict
        Keys `COLUMNS`; ``eta`` is the arrival and ``start`` the service start
        as ``H:MM``; ``collect_yen`` is the payment to take at the door (on the
        first delivery of an errand only).
    """
    lk = _Lookup(store)
    rows = []
    collected: set[int] = set()
    for s in sorted(plan.stops, key=lambda s: (s.day, s.vehicle_id, s.seq)):
        req = lk.request(s.request_id)
        resident = lk.resident(req.resident_id if req is not None else s.resident_id)
        if s.site_id is not None:
            place = lk.sites[s.site_id].name if s.site_id in lk.sites else f"site {s.site_id}"
        elif s.resident_id is not None and resident is not None:
            place = resident.address
        else:
            place = ""
        collect = 0
        if (req is not None and req.kind == RequestKind.ERRAND and s.step_type == "delivery"
                and req.id not in collected):
            collect = req.details.amount_to_collect_yen
            collected.add(req.id)
        notes = []
        if resident is not None and resident.notes and s.resident_id is not None:
            notes.append(resident.notes)
        if req is not None and req.notes:
            notes.append(req.notes)
        vehicle = lk.vehicles.get(s.vehicle_id)
        rows.append({
            "day": s.day.isoformat(),
            "vehicle": vehicle.name if vehicle else str(s.vehicle_id),
            "seq": s.seq,
            "eta": hhmm(s.arrival_s % DAY_S),
            "start": hhmm(s.start_s % DAY_S),
            "kind": s.step_type,
            "request": s.request_id if s.request_id is not None else "",
            "place": place,
            "resident": resident.name if resident is not None else "",
            "todo": _todo(s.step_type, req, lk),
            "collect_yen": collect,
            "notes": " / ".join(notes),
        })
    return rows


def plan_csv(plan: Plan, store: Any) -> str:
    """Return the plan as CSV text (header `COLUMNS`, one row per stop)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(plan_rows(plan, store))
    return buf.getvalue()


def plan_json(plan: Plan, store: Any) -> dict:
    """Return the plan as a JSON-ready dict: version data, summary, stops and unassigned."""
    return {
        "week_start": plan.week_start.isoformat(),
        "version": plan.version,
        "id": plan.id,
        "status": plan.status.value,
        "created_at": plan.created_at.isoformat(),
        "created_by": plan.created_by,
        "summary": plan.summary,
        "stops": plan_rows(plan, store),
        "unassigned": [{"request_id": u.request_id, "reason": u.reason,
                        "day": u.day.isoformat() if u.day else None} for u in plan.unassigned],
    }


def dumps(data: Any) -> str:
    """Serialise export data as pretty UTF-8 JSON (Japanese kept readable)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
