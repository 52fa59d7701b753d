"""Export a plan version for staff: CSV (one row per stop) and JSON.

Records are named by the city's ids (`scheduler.domain.city_id`). An errand
from several shops is one stop at the door when its deliveries follow each
other on the route: the row lists every shop's boxes, the total and the amount
to collect for the whole order.

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
    IdLabels,
    Plan,
    PlanStop,
    RequestKind,
    RideDetails,
    SessionDetails,
    VisitDetails,
    hhmm,
)

__all__ = ["COLUMNS", "plan_csv", "plan_json", "plan_rows"]

#: Columns of the CSV export, in order. ``request``, ``vehicle_id`` and ``resident_id`` are the
#: city's ids (`scheduler.domain.city_id`); ``vehicle`` and ``resident`` are names.
COLUMNS = ("day", "vehicle", "vehicle_id", "seq", "eta", "start", "leave", "kind", "request", "place",
           "resident", "resident_id", "todo", "boxes", "collect_yen", "notes")


class _Lookup:
    """Cache of the store reads an export needs (each id read once)."""

    def __init__(self, store: Any):
        self.store = store
        self.sites = {s.id: s for s in store.sites.all()}
        self.vehicles = {v.id: v for v in store.vehicles.all()}
        self.services = {s.code: s for s in store.services.all()}
        self.labels: IdLabels = store.id_labels()
        self._residents: dict[int, Any] = {}
        self._requests: dict[int, Any] = {}

    def resident(self, rid: int | None):
        if rid is None:
            return None
        if rid not in self._residents:
            self._residents[rid] = self.store.residents.get(rid)
        return self._residents[rid]

    def request(self, rid: int | None):
        if rid is None:
            return None
        if rid not in self._requests:
            self._requests[rid] = self.store.requests.get(rid)
        return self._requests[rid]

    def site_name(self, site_id: int) -> str:
        site = self.sites.get(site_id)
        return site.name if site is not None else f"site {self.labels.site(site_id)}"


def door_stops(stops: list[PlanStop]) -> list[list[PlanStop]]:
    """Group the stops in route order; consecutive deliveries of one errand are one stop at the door."""
    groups: list[list[PlanStop]] = []
    for s in stops:
        last = groups[-1][-1] if groups else None
        if (last is not None and s.step_type == last.step_type == "delivery" and s.part is not None
                and last.part is not None and s.request_id == last.request_id
                and (s.vehicle_id, s.day) == (last.vehicle_id, last.day)):
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _errand_todo(group: list[PlanStop], d: ErrandDetails, lk: _Lookup) -> tuple[str, str, int, str]:
    """Return what to do at an errand's shop or door (Japanese, English), the boxes handled there, the order text."""
    cold_ja, cold_en = (" 要冷蔵", " chilled") if d.chilled else ("", "")
    parts = [s.part for s in group]
    if any(p is None or p >= len(d.pickups) for p in parts):  # a plan stored before parts were recorded
        parts = list(range(len(d.pickups)))
    shops = [(lk.site_name(d.pickups[p].site_id), d.pickups[p].boxes) for p in parts]
    boxes = sum(n for _, n in shops)
    if group[0].step_type == "pickup":
        order = f": {d.order}" if d.order else ""  # the shop's own words, the same in both languages
        return f"受取 {boxes}箱{cold_ja}", f"collect {boxes} box(es){cold_en}", boxes, order
    ja = "、".join(f"{name} {n}箱" for name, n in shops)
    if len(parts) == len(d.pickups):
        en = ", ".join(f"{name} {n}" for name, n in shops)
        return f"配達 計{boxes}箱（{ja}）{cold_ja}", f"deliver {boxes} box(es) ({en}){cold_en}", boxes, ""
    which = ", ".join(str(p + 1) for p in parts)
    return (f"配達 {ja}（{len(d.pickups)}店のうち{which}店目）{cold_ja}",
            f"deliver {boxes} box(es) from shop {which} of {len(d.pickups)}{cold_en}", boxes, "")


def _takes_payment(group: list[PlanStop]) -> bool:
    """Return whether the order is paid at this delivery stop: the first shop's (part 0), or any without parts."""
    return any(s.part in (0, None) for s in group)


def _todo(group: list[PlanStop], req: Any, lk: _Lookup) -> tuple[str, str, int | str, str]:
    """Return what to do at a stop in Japanese and in English, the boxes handled there ('' where none),
    and words the same in both languages (an errand's order, at the shop)."""
    step_type = group[0].step_type
    fixed = {"start": ("出発", "leave the depot"), "end": ("帰着", "back at the depot"),
             "break": ("昼休憩", "lunch break")}
    if step_type in fixed:
        return (*fixed[step_type], "", "")
    d = req.details
    if isinstance(d, VisitDetails):
        names = [lk.services[c] for c in d.services if c in lk.services]
        return ("訪問: " + "、".join(s.name_ja for s in names), "visit: " + ", ".join(s.name_en for s in names), "", "")
    if isinstance(d, SessionDetails):
        return f"巡回窓口 {d.session_s // 60}分", f"hall session {d.session_s // 60} min", "", ""
    if isinstance(d, ErrandDetails):
        return _errand_todo(group, d, lk)
    if isinstance(d, RideDetails):
        chair_ja, chair_en = (" 車椅子", " wheelchair") if d.wheelchair else ("", "")
        if step_type == "pickup":
            return f"乗車 {d.seats}名{chair_ja}", f"pick up {d.seats} passenger(s){chair_en}", "", ""
        return f"降車{chair_ja}", f"drop off{chair_en}", "", ""
    return step_type, step_type, "", ""


def plan_rows(plan: Plan, store: Any) -> list[dict]:
    """Return one row per stop of a plan, in day, vehicle, sequence order.

    Consecutive deliveries of one errand (one per shop) are one row: one stop
    at the door, listing each shop's boxes and the total.

    Parameters
    ----------
    plan
        A plan version with its stops (`Store.plans.get`).
    store
        The store, for names of places, vehicles, residents and services.

    Returns
    -------
    list of dict
        Keys `COLUMNS`, ``todo_ja`` and ``todo_en`` (what to do in one language,
        for screens; ``todo`` holds both) and ``request_db_id`` (the database
        id, for programs; `plan_csv` leaves these out); ``eta`` is the arrival, ``start`` the
        service start and ``leave`` the departure as ``H:MM``; ``collect_yen``
        is the payment to take at the door for the whole order, once: at the
        stop that delivers the first shop's goods (the one the plan gives the
        hand-over time, see `scheduler.compiler`).
    """
    lk = _Lookup(store)
    collected: set[int] = set()
    stops = sorted(plan.stops, key=lambda s: (s.day, s.vehicle_id, s.seq))
    rows = []
    for group in door_stops(stops):
        row = _row(group, lk)
        req = lk.request(group[0].request_id)
        if (req is not None and req.kind == RequestKind.ERRAND and group[0].step_type == "delivery"
                and req.id not in collected and _takes_payment(group)):
            row["collect_yen"] = req.details.amount_to_collect_yen
            collected.add(req.id)
        rows.append(row)
    return rows


def _row(group: list[PlanStop], lk: _Lookup) -> dict:
    """Return the export row of one stop (a group of steps at one place)."""
    s, last = group[0], group[-1]
    req = lk.request(s.request_id)
    resident_id = req.resident_id if req is not None else s.resident_id
    resident = lk.resident(resident_id)
    if s.site_id is not None:
        place = lk.site_name(s.site_id)
    elif s.resident_id is not None and resident is not None:
        place = resident.address
    else:
        place = ""
    notes = []
    if resident is not None and resident.notes and s.resident_id is not None:
        notes.append(resident.notes)
    if req is not None and req.notes:
        notes.append(req.notes)
    vehicle = lk.vehicles.get(s.vehicle_id)
    todo_ja, todo_en, boxes, words = _todo(group, req, lk)
    return {
        "day": s.day.isoformat(),
        "vehicle": vehicle.name if vehicle else lk.labels.vehicle(s.vehicle_id),
        "vehicle_id": lk.labels.vehicle(s.vehicle_id),
        "seq": s.seq,
        "eta": hhmm(s.arrival_s % DAY_S),
        "start": hhmm(s.start_s % DAY_S),
        "leave": hhmm(last.departure_s % DAY_S),
        "kind": s.step_type,
        "request": lk.labels.request(s.request_id) if s.request_id is not None else "",
        "place": place,
        "resident": resident.name if resident is not None else "",
        "resident_id": lk.labels.resident(resident_id) if resident is not None else "",
        "todo": f"{todo_ja} / {todo_en}{words}",
        "todo_ja": todo_ja + words,
        "todo_en": todo_en + words,
        "boxes": boxes,
        "collect_yen": 0,
        "notes": " / ".join(notes),
        "request_db_id": s.request_id,
    }


def plan_csv(plan: Plan, store: Any) -> str:
    """Return the plan as CSV text (header `COLUMNS`, one row per stop)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(plan_rows(plan, store))
    return buf.getvalue()


def plan_json(plan: Plan, store: Any) -> dict:
    """Return the plan as a JSON-ready dict: version data, summary, stops and unassigned.

    Requests are named by the city's id (``request``, ``unassigned[].request_id``); the
    database id is kept beside it as ``request_db_id`` for programs that read the database.
    """
    labels = store.id_labels()
    return {
        "week_start": plan.week_start.isoformat(),
        "version": plan.version,
        "id": plan.id,
        "status": plan.status.value,
        "created_at": plan.created_at.isoformat(),
        "created_by": plan.created_by,
        "summary": plan.summary,
        "stops": plan_rows(plan, store),
        "unassigned": [{"request_id": labels.request(u.request_id), "request_db_id": u.request_id,
                        "reason": u.reason, "day": u.day.isoformat() if u.day else None}
                       for u in plan.unassigned],
    }


def dumps(data: Any) -> str:
    """Serialise export data as pretty UTF-8 JSON (Japanese kept readable)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
