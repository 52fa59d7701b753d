"""The facts the figures count, read from the raw rows of the store (issue 27).

`collect` reads a period's crew reports, routes, left-out requests and cancellations and returns
`Facts`: additive counts, residents served and lead times, each with the attributes it can be
grouped by (`Attrs`: the day, vehicle, site, district and service). It is the one definition of
what is counted: `scheduler.evidence.summary` stores its answer day by day, and
`scheduler.evidence.stats.figures_from_events` answers from it directly.

What is read: the crew's reports (request events with a stop; the latest report of a request's stop
of a day counts), what a 完了 handled (``stop_handled``; without a record, what was asked for once
each, `scheduler.evidence.records.default_handled`), the routes of the newest published plan of
each week, the requests a published plan left out and the cancellations. A site's district is the
district of the registered resident living nearest it (sites have none). Nothing names a resident.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scheduler.evidence.records import default_handled

__all__ = ["COUNTS", "Attrs", "Facts", "Store", "World", "collect", "last_seen"]

#: A `scheduler.store.Store` (not imported: the store imports this module, to keep the summary up to date).
Store = Any

#: The additive counts of every row, in the order they are shown (``services_<code>`` follow).
COUNTS = ("sessions_held", "visits_done", "errands_delivered", "rides_done", "passengers", "boxes_delivered",
          "collected_yen", "services_total", "walk_ins", "resident_stops_reported", "unserved_not_home",
          "unserved_cannot_serve", "unserved_cancelled", "unserved_not_planned", "distance_m", "driving_s",
          "staff_s")

_SEEN_STEPS = ("visit", "session", "pickup", "delivery")

Attrs = tuple[str, int | None, int | None, str, str]  # day (or month), vehicle id, site id, district, service code


@dataclass
class Facts:
    """Everything counted in a period, each with the attributes it can be grouped by."""

    counts: Counter = field(default_factory=Counter)  # (attrs, measure) -> sum
    residents: set[tuple[Attrs, int]] = field(default_factory=set)  # residents served
    leads: list[tuple[Attrs, float]] = field(default_factory=list)  # days from request to service

    def only(self, district: str | None) -> Facts:
        """The facts of one district (all for None)."""
        if district is None:
            return self
        return Facts(Counter({k: v for k, v in self.counts.items() if k[0][3] == district}),
                     {f for f in self.residents if f[0][3] == district}, [f for f in self.leads if f[0][3] == district])

    def by_month(self) -> Facts:
        """The same facts with the month in place of the day."""
        counts: Counter = Counter()
        for ((day, *rest), measure), value in self.counts.items():
            counts[((day[:7], *rest), measure)] += value
        return Facts(counts, {((a[0][:7], *a[1:]), rid) for a, rid in self.residents},
                     [((a[0][:7], *a[1:]), v) for a, v in self.leads])


@dataclass
class World:
    """The master data the figures need: districts of residents and sites, labels, the catalogue.

    `places`, when a set, records every (day, resident, site, district) a district was taken for
    (`scheduler.evidence.summary` keeps them to notice a district that changed since).
    """

    resident_district: dict[int, str]
    site_district: dict[int, str]
    labels: dict[str, dict[Any, str]]
    codes: list[str]
    places: set[tuple[str, int | None, int | None, str]] | None = None

    @classmethod
    def read(cls, store: Store) -> World:
        """Read the residents, sites, services and vehicles."""
        residents = list(store.db.query("SELECT id, district, lat, lon FROM residents"))
        sites = list(store.db.query("SELECT id, name, lat, lon FROM sites"))
        services = list(store.db.query("SELECT code, name_ja FROM services ORDER BY rowid"))
        vehicles = list(store.db.query("SELECT id, name FROM vehicles"))
        nearest = _nearest_district(residents)
        return cls(resident_district={r["id"]: r["district"] for r in residents},
                   site_district={s["id"]: nearest(s) for s in sites},
                   labels={"site": {s["id"]: s["name"] for s in sites} | {None: "自宅・なし"},
                           "vehicle": {v["id"]: v["name"] for v in vehicles} | {None: "車両なし"},
                           "service": {s["code"]: s["name_ja"] for s in services} | {"": "用件以外"}},
                   codes=[s["code"] for s in services])

    def district(self, resident_id: int | None, site_id: int | None) -> str:
        """The resident's district, else the site's, else ``""``."""
        if resident_id is not None:
            return self.resident_district.get(resident_id, "")
        return self.site_district.get(site_id, "") if site_id is not None else ""

    def district_on(self, day: str, resident_id: int | None, site_id: int | None) -> str:
        """`district`, recorded in `places` with the day it counts for."""
        name = self.district(resident_id, site_id)
        if self.places is not None:
            self.places.add((day, resident_id, None if resident_id is not None else site_id, name))
        return name


def _nearest_district(residents: list[dict]) -> Callable[[dict], str]:
    """A function giving a site the district of the registered resident living nearest it (``""`` without any)."""
    if not residents:
        return lambda site: ""
    import numpy as np

    lat = np.fromiter((r["lat"] for r in residents), float, len(residents))
    lon = np.fromiter((r["lon"] for r in residents), float, len(residents))

    def nearest(site: dict) -> str:
        k = math.cos(math.radians(site["lat"]))
        return residents[int(np.argmin((lat - site["lat"]) ** 2 + ((lon - site["lon"]) * k) ** 2))]["district"]

    return nearest


def collect(store: Store, world: World, first: dt.date, last: dt.date, today: dt.date,
            legs: Facts | None = None) -> Facts:
    """The facts of `first`..`last` by day; routes are counted up to `today`, into `legs` when given."""
    facts = Facts()
    _reported(store, world, first, last, facts)
    _driven(store, world, first, min(last, today), facts if legs is None else legs)
    _left_out(store, world, first, last, facts)
    _cancelled(store, world, first, last, facts)
    return facts


def _reported(store: Store, world: World, first: dt.date, last: dt.date, facts: Facts) -> None:
    """Count the latest crew report of each request's stop of a day: done, not home, cannot serve."""
    span = [first.isoformat(), last.isoformat()]
    rows = store.db.execute(
        "SELECT e.request_id, s.day, s.step_type, s.part, e.stop_id, e.action, e.at, s.vehicle_id, s.site_id, "
        "r.kind, r.resident_id, r.details, r.received_at FROM request_events e "
        "JOIN plan_stops s ON s.id = e.stop_id JOIN requests r ON r.id = e.request_id "
        "WHERE e.action IN ('done', 'not_home', 'cannot_serve') AND s.day BETWEEN ? AND ? ORDER BY e.at, e.id", span)
    latest = {r[:4]: r for r in rows if r[2] in _SEEN_STEPS}
    if not latest:
        return
    handled = {r[0]: r[1:] for r in store.db.execute(
        "SELECT stop_id, services, walk_ins, boxes, collected_yen, passengers FROM stop_handled "
        "WHERE day BETWEEN ? AND ?", span)}
    seats = _seats(store, first, last)
    district = world.district_on
    for (request_id, day, step, _), (*_, stop_id, action, at, vehicle, site, kind, resident, details, received) \
            in latest.items():
        attrs: Attrs = (day, vehicle, site, district(day, resident, site), "")
        if step != "session":
            facts.counts[(attrs, "resident_stops_reported")] += 1
        if action != "done":
            facts.counts[(attrs, "unserved_not_home" if action == "not_home" else "unserved_cannot_serve")] += 1
        elif step != "pickup":
            record = handled.get(stop_id)
            h = _handled(record) if record else default_handled(kind, step, json.loads(details),
                                                                  [s for _, s in seats.get((request_id, day), [])])
            _done(step, kind, resident, attrs, h, seats.get((request_id, day), []), facts)
            if step != "session" and received:
                waited = _naive(at) - _naive(received)
                facts.leads.append((attrs, max(0.0, waited.total_seconds() / 86400)))


@functools.lru_cache(maxsize=4096)
def _counts_of(text: str) -> dict[str, int]:
    """A stored ``{"code": n}``, read once per distinct text (the same few recur; callers never change it)."""
    return json.loads(text)


def _handled(record: tuple) -> dict[str, Any]:
    services, walk_ins, boxes, collected_yen, passengers = record
    return {"services": _counts_of(services), "walk_ins": _counts_of(walk_ins), "boxes": boxes,
            "collected_yen": collected_yen, "passengers": passengers}


def _seats(store: Store, first: dt.date, last: dt.date) -> dict[tuple[int, str], list[tuple[int, list[str]]]]:
    out: dict[tuple[int, str], list[tuple[int, list[str]]]] = defaultdict(list)
    for request_id, resident, day, services in store.db.execute(
            "SELECT session_request_id, resident_id, day, services FROM session_bookings "
            "WHERE cancelled_at IS NULL AND day BETWEEN ? AND ?", [first.isoformat(), last.isoformat()]):
        out[(request_id, day)].append((resident, json.loads(services)))
    return out


_DONE_COUNT = {"visit": "visits_done", "session": "sessions_held"}


def _done(step: str, kind: str, resident: int | None, attrs: Attrs, h: dict[str, Any],
          seats: list[tuple[int, list[str]]], facts: Facts) -> None:
    """Count a stop reported done: the visit, session, errand or ride; what it handled (`h`); who was served."""
    what = _DONE_COUNT.get(step) or ("errands_delivered" if kind == "errand" else "rides_done")
    counts = facts.counts
    counts[(attrs, what)] += 1
    for key in ("services", "walk_ins"):
        for code, n in (h.get(key) or {}).items():
            by_service = (*attrs[:4], code)
            counts[(by_service, "services_total")] += n
            counts[(by_service, f"services_{code}")] += n
            if key == "walk_ins":
                counts[(by_service, "walk_ins")] += n
    for key, measure in (("boxes", "boxes_delivered"), ("collected_yen", "collected_yen"), ("passengers", "passengers")):
        if h.get(key):
            counts[(attrs, measure)] += h[key]
    served = [rid for rid, _ in seats] if step == "session" else [resident]
    facts.residents.update((attrs, rid) for rid in served if rid is not None)


def _naive(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=None)


_PUBLISHED = ("SELECT p.id FROM plans p JOIN (SELECT week_start, MAX(version) AS version FROM plans "
              "WHERE status = 'published' GROUP BY week_start) n ON n.week_start = p.week_start "
              "AND n.version = p.version")


def _driven(store: Store, world: World, first: dt.date, last: dt.date, facts: Facts) -> None:
    """Count kilometres, driving and staff time of the newest published plan's routes, leg by leg."""
    if last < first:
        return
    rows = store.db.execute(
        "SELECT vehicle_id, day, site_id, resident_id, distance_m, driving_s, departure_s FROM plan_stops "
        f"WHERE plan_id IN ({_PUBLISHED}) AND day BETWEEN ? AND ? ORDER BY vehicle_id, day, seq",
        [first.isoformat(), last.isoformat()])
    route, before = None, (0, 0, 0)
    counts = facts.counts
    for vehicle, day, site, resident, metres, driving, departure in rows:
        if route != (vehicle, day):
            route, before = (vehicle, day), (metres, driving, departure)
            continue
        attrs: Attrs = (day, vehicle, site, world.district_on(day, resident, site), "")
        for measure, value in (("distance_m", metres - before[0]), ("driving_s", driving - before[1]),
                               ("staff_s", departure - before[2])):
            if value:
                counts[(attrs, measure)] += value
        before = (metres, driving, departure)


def _left_out(store: Store, world: World, first: dt.date, last: dt.date, facts: Facts) -> None:
    """Count the requests the newest published plan of a week left out (on their day, else the Monday)."""
    rows = store.db.query(
        "SELECT COALESCE(u.day, p.week_start) AS day, r.resident_id, r.details, r.kind FROM plan_unassigned u "
        f"JOIN plans p ON p.id = u.plan_id JOIN requests r ON r.id = u.request_id WHERE p.id IN ({_PUBLISHED}) "
        "AND COALESCE(u.day, p.week_start) BETWEEN ? AND ?",
        [first.isoformat(), last.isoformat()])
    for r in rows:
        site = json.loads(r["details"]).get("site_id") if r["kind"] == "session" else None
        day = r["day"]
        facts.counts[((day, None, site, world.district_on(day, r["resident_id"], site), ""),
                      "unserved_not_planned")] += 1


def _cancelled(store: Store, world: World, first: dt.date, last: dt.date, facts: Facts) -> None:
    """Count the residents' requests cancelled in the period (on the day they were cancelled)."""
    rows = store.db.query(
        "SELECT e.at, r.resident_id FROM request_events e JOIN requests r ON r.id = e.request_id "
        "WHERE e.to_status = 'cancelled' AND (e.from_status IS NULL OR e.from_status != 'cancelled') "
        "AND r.resident_id IS NOT NULL AND e.at >= ? AND e.at < ?",
        [first.isoformat(), (last + dt.timedelta(days=1)).isoformat()])
    for r in rows:
        day = r["at"][:10]
        facts.counts[((day, None, None, world.district_on(day, r["resident_id"], None), ""),
                      "unserved_cancelled")] += 1


def last_seen(store: Store, world: World, as_of: dt.date) -> dict[tuple[str, str], dt.date]:
    """The last day each district had a hall session, and a home visit, reported done (up to `as_of`)."""
    rows = store.db.query(
        "SELECT s.step_type, s.site_id, s.resident_id, MAX(s.day) AS day FROM request_events e "
        "JOIN plan_stops s ON s.id = e.stop_id WHERE e.action = 'done' AND s.step_type IN ('visit', 'session') "
        "AND s.day <= ? GROUP BY s.step_type, s.site_id, s.resident_id", [as_of.isoformat()])
    out: dict[tuple[str, str], dt.date] = {}
    for r in rows:
        key = (r["step_type"], world.district(r["resident_id"] if r["step_type"] == "visit" else None, r["site_id"]))
        day = dt.date.fromisoformat(r["day"])
        if key not in out or out[key] < day:
            out[key] = day
    return out
