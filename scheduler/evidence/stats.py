"""The figures of a period for the city's yearly evaluation (成果指標, issue 27), read from the store.

`figures` answers for a period (first..last day, both included) grouped ``by`` district, site,
vehicle, service or month:

- ``rows``: one per group; every count is additive, so any grouping sums to the same ``totals``.
  What happened at a stop counts in the group of that stop (its resident's district, else its
  site's; its site, none at a home; its vehicle; its month); services count in their service's
  row, everything else in the row ``""`` of ``by=service``. Kilometres, driving and staff time are
  cut by leg: the leg to a stop counts where the stop is (the leg home, at the depot).
  Figures that are not sums say so in their name: ``unique_residents``, ``not_home_rate``,
  ``lead_time_days_p50`` / ``_p90``, ``services_per_driving_hour``.
- ``trend``: per month of the period, the main counts against the same month a year earlier;
- ``reach``: per district, registered residents served at least once in the period, the share
  of the population when one is imported (`scheduler.evidence.population`), and the days since
  its last hall session and last home visit, flagged past `FLAG_DAYS`.

What is read: the crew's reports (request events with a stop; the latest report of a request's stop
of a day counts), what a 完了 handled (``stop_handled``; without a record, what was asked for once
each, `scheduler.evidence.records.default_handled`), the routes of the newest published plan of
each week for the days up to today, the requests a published plan left out and the cancellations.
A site's district is the district of the registered resident living nearest it (sites have none).
Residents forgotten under the data-protection rules stay counted; nothing here names a resident.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from routing.errors import InputError
from scheduler.evidence.records import default_handled

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["FLAG_DAYS", "GROUPINGS", "MAX_PERIOD_DAYS", "Figures", "check_query", "figures"]

#: What the rows may be grouped by.
GROUPINGS = ("district", "site", "vehicle", "service", "month")
#: The longest period asked for (5 years).
MAX_PERIOD_DAYS = 5 * 365 + 2
#: Days without a hall session or a home visit after which a district is flagged.
FLAG_DAYS = 60

#: The additive counts of every row, in the order they are shown (``services_<code>`` follow).
COUNTS = ("sessions_held", "visits_done", "errands_delivered", "rides_done", "passengers", "boxes_delivered",
          "collected_yen", "services_total", "walk_ins", "resident_stops_reported", "unserved_not_home",
          "unserved_cannot_serve", "unserved_cancelled", "unserved_not_planned", "distance_m", "driving_s",
          "staff_s")
_ATTRS = {"month": 0, "vehicle": 1, "site": 2, "district": 3, "service": 4}
_SEEN_STEPS = ("visit", "session", "pickup", "delivery")

Attrs = tuple[str, int | None, int | None, str, str]  # month, vehicle id, site id, district, service code


@dataclass
class _Facts:
    """Everything counted in a period, each with the attributes it can be grouped by."""

    counts: Counter = field(default_factory=Counter)  # (attrs, measure) -> sum
    residents: set[tuple[Attrs, int]] = field(default_factory=set)  # residents served
    leads: list[tuple[Attrs, float]] = field(default_factory=list)  # days from request to service

    def only(self, district: str | None) -> _Facts:
        if district is None:
            return self
        return _Facts(Counter({k: v for k, v in self.counts.items() if k[0][3] == district}),
                      {f for f in self.residents if f[0][3] == district}, [f for f in self.leads if f[0][3] == district])


@dataclass
class Figures:
    """The answer of `figures`: grouped rows, totals, the month trend and the reach per district."""

    first: dt.date
    last: dt.date
    by: str
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    trend: list[dict[str, Any]]
    reach: list[dict[str, Any]]
    empty: bool

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The tables of the answer by name (an export writes one sheet per table)."""
        return {"rows": self.rows, "totals": [self.totals], "trend": self.trend, "reach": self.reach}

    def to_json(self) -> dict[str, Any]:
        """The API's answer."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "by": self.by, "empty": self.empty,
                "rows": self.rows, "totals": self.totals, "trend": self.trend, "reach": self.reach}


# --------------------------------------------------------------------------- checking the question


def known_districts(store: Store) -> set[str]:
    """The districts of registered residents and of the population table."""
    rows = store.db.query("SELECT DISTINCT district FROM residents UNION SELECT district FROM district_population")
    return {r["district"] for r in rows}


def check_query(store: Store, first: dt.date, last: dt.date, by: str, district: str | None = None) -> None:
    """Refuse a question naming the field: an end before the start, over 5 years, unknown grouping or district."""
    if last < first:
        raise InputError.of("to", "the period ends on {last} before it starts on {first}", last=last, first=first)
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InputError.of("to", "a period of at most 5 years; {first} to {last} is {days} days",
                            first=first, last=last, days=(last - first).days + 1)
    if by not in GROUPINGS:
        raise InputError.of("by", "{value!r}: group by {known}", value=by, known=", ".join(GROUPINGS))
    if district is not None and district not in known_districts(store):
        raise InputError.of("district", "unknown district {value!r}", value=district)


# --------------------------------------------------------------------------- the answer


def figures(store: Store, first: dt.date, last: dt.date, by: str = "district", *, district: str | None = None,
            today: dt.date | None = None, flag_days: int = FLAG_DAYS) -> Figures:
    """Return the figures of `first`..`last` grouped `by` (see the module); `district` keeps one district.

    `today` (default `last`) ends the routes counted: a day not yet driven has no kilometres.
    Raises `InputError` naming the field for a bad question (`check_query`).
    """
    check_query(store, first, last, by, district)
    world = _World.read(store)
    facts = _collect(store, world, first, last, today or last).only(district)
    rows = _rows(facts, by, world)
    totals = _row(facts.counts.items(), facts.residents, facts.leads, world.codes)
    totals.update(key="", label="合計")
    year_before = _collect(store, world, _year_back(first), _year_back(last), _year_back(today or last)).only(district)
    return Figures(first=first, last=last, by=by, rows=rows, totals=totals,
                   trend=_trend(facts, year_before, first, last),
                   reach=_reach(store, world, facts, last if today is None else min(last, today), flag_days, district),
                   empty=not (facts.counts or facts.residents))


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class _World:
    """The master data the figures need: districts of residents and sites, labels, the catalogue."""

    resident_district: dict[int, str]
    site_district: dict[int, str]
    labels: dict[str, dict[Any, str]]
    codes: list[str]

    @classmethod
    def read(cls, store: Store) -> _World:
        residents = list(store.db.query("SELECT id, district, lat, lon FROM residents"))
        sites = list(store.db.query("SELECT id, name, lat, lon FROM sites"))
        services = list(store.db.query("SELECT code, name_ja FROM services ORDER BY rowid"))
        vehicles = list(store.db.query("SELECT id, name FROM vehicles"))
        return cls(resident_district={r["id"]: r["district"] for r in residents},
                   site_district={s["id"]: _nearest_district(s, residents) for s in sites},
                   labels={"site": {s["id"]: s["name"] for s in sites} | {None: "自宅・なし"},
                           "vehicle": {v["id"]: v["name"] for v in vehicles} | {None: "車両なし"},
                           "service": {s["code"]: s["name_ja"] for s in services} | {"": "用件以外"}},
                   codes=[s["code"] for s in services])

    def district(self, resident_id: int | None, site_id: int | None) -> str:
        if resident_id is not None:
            return self.resident_district.get(resident_id, "")
        return self.site_district.get(site_id, "") if site_id is not None else ""


def _nearest_district(site: dict, residents: list[dict]) -> str:
    if not residents:
        return ""
    import numpy as np

    lat = np.fromiter((r["lat"] for r in residents), float, len(residents))
    lon = np.fromiter((r["lon"] for r in residents), float, len(residents))
    k = math.cos(math.radians(site["lat"]))
    return residents[int(np.argmin((lat - site["lat"]) ** 2 + ((lon - site["lon"]) * k) ** 2))]["district"]


def _collect(store: Store, world: _World, first: dt.date, last: dt.date, today: dt.date) -> _Facts:
    facts = _Facts()
    _reported(store, world, first, last, facts)
    _driven(store, world, first, min(last, today), facts)
    _left_out(store, world, first, last, facts)
    _cancelled(store, world, first, last, facts)
    return facts


def _reported(store: Store, world: _World, first: dt.date, last: dt.date, facts: _Facts) -> None:
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
    district = world.district
    for (request_id, day, step, _), (*_, stop_id, action, at, vehicle, site, kind, resident, details, received) \
            in latest.items():
        attrs: Attrs = (day[:7], vehicle, site, district(resident, site), "")
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
          seats: list[tuple[int, list[str]]], facts: _Facts) -> None:
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


def _driven(store: Store, world: _World, first: dt.date, last: dt.date, facts: _Facts) -> None:
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
        attrs: Attrs = (day[:7], vehicle, site, world.district(resident, site), "")
        for measure, value in (("distance_m", metres - before[0]), ("driving_s", driving - before[1]),
                               ("staff_s", departure - before[2])):
            if value:
                counts[(attrs, measure)] += value
        before = (metres, driving, departure)


def _left_out(store: Store, world: _World, first: dt.date, last: dt.date, facts: _Facts) -> None:
    """Count the requests the newest published plan of a week left out (on their day, else the Monday)."""
    rows = store.db.query(
        "SELECT COALESCE(u.day, p.week_start) AS day, r.resident_id, r.details, r.kind FROM plan_unassigned u "
        f"JOIN plans p ON p.id = u.plan_id JOIN requests r ON r.id = u.request_id WHERE p.id IN ({_PUBLISHED}) "
        "AND COALESCE(u.day, p.week_start) BETWEEN ? AND ?",
        [first.isoformat(), last.isoformat()])
    for r in rows:
        site = json.loads(r["details"]).get("site_id") if r["kind"] == "session" else None
        facts.counts[((r["day"][:7], None, site, world.district(r["resident_id"], site), ""),
                      "unserved_not_planned")] += 1


def _cancelled(store: Store, world: _World, first: dt.date, last: dt.date, facts: _Facts) -> None:
    """Count the residents' requests cancelled in the period (on the day they were cancelled)."""
    rows = store.db.query(
        "SELECT e.at, r.resident_id FROM request_events e JOIN requests r ON r.id = e.request_id "
        "WHERE e.to_status = 'cancelled' AND (e.from_status IS NULL OR e.from_status != 'cancelled') "
        "AND r.resident_id IS NOT NULL AND e.at >= ? AND e.at < ?",
        [first.isoformat(), (last + dt.timedelta(days=1)).isoformat()])
    for r in rows:
        facts.counts[((r["at"][:7], None, None, world.district(r["resident_id"], None), ""),
                      "unserved_cancelled")] += 1


# --------------------------------------------------------------------------- rows


def _rows(facts: _Facts, by: str, world: _World) -> list[dict[str, Any]]:
    i = _ATTRS[by]
    counts: dict[Any, list] = defaultdict(list)
    residents: dict[Any, list] = defaultdict(list)
    leads: dict[Any, list] = defaultdict(list)
    for f in facts.counts.items():
        counts[f[0][0][i]].append(f)
    for f in facts.residents:
        residents[f[0][i]].append(f)
    for f in facts.leads:
        leads[f[0][i]].append(f)
    keys = sorted(set(counts) | set(residents), key=lambda k: (k is None, str(k)))
    labels = world.labels.get(by, {})
    return [{"key": key, "label": labels.get(key, key if key else "地区なし" if by == "district" else ""),
             **_row(counts[key], residents[key], leads[key], world.codes)} for key in keys]


def _row(counts: Iterable, residents: Iterable, leads: Iterable, codes: list[str]) -> dict[str, Any]:
    sums: Counter = Counter()
    for (_, measure), value in counts:
        sums[measure] += value
    row: dict[str, Any] = {name: sums[name] for name in COUNTS}
    row.update({f"services_{code}": sums[f"services_{code}"] for code in codes})
    waits = sorted(v for _, v in leads)
    driving_h = sums["driving_s"] / 3600
    row.update(
        unique_residents=len({rid for _, rid in residents}),
        not_home_rate=_ratio(sums["unserved_not_home"], sums["resident_stops_reported"]),
        lead_time_days_p50=_percentile(waits, 0.5), lead_time_days_p90=_percentile(waits, 0.9),
        distance_km=round(sums["distance_m"] / 1000, 1), driving_hours=round(driving_h, 2),
        staff_hours=round(sums["staff_s"] / 3600, 2),
        services_per_driving_hour=_ratio(sums["services_total"], driving_h))
    return row


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _percentile(ordered: list[float], q: float) -> float | None:
    """The `q` quantile of sorted values, interpolated between ranks (as numpy's default); None for none."""
    if not ordered:
        return None
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (pos - low), 2)


# --------------------------------------------------------------------------- trend and reach

_TREND = ("services_total", "sessions_held", "visits_done", "errands_delivered", "rides_done", "unserved_not_home")


def _months(first: dt.date, last: dt.date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day.isoformat()[:7])
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _trend(facts: _Facts, year_before: _Facts, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    def by_month(f: _Facts) -> tuple[dict[str, Counter], dict[str, set]]:
        sums: dict[str, Counter] = defaultdict(Counter)
        people: dict[str, set] = defaultdict(set)
        for (attrs, measure), value in f.counts.items():
            sums[attrs[0]][measure] += value
        for attrs, rid in f.residents:
            people[attrs[0]].add(rid)
        return sums, people

    now, now_people = by_month(facts)
    then, then_people = by_month(year_before)
    rows = []
    for month in _months(first, last):
        earlier = f"{int(month[:4]) - 1}{month[4:]}"
        row: dict[str, Any] = {"month": month}
        for name in _TREND:
            row[name] = now[month][name]
            row[f"{name}_last_year"] = then[earlier][name]
        row["unique_residents"] = len(now_people[month])
        row["unique_residents_last_year"] = len(then_people[earlier])
        rows.append(row)
    return rows


def _reach(store: Store, world: _World, facts: _Facts, as_of: dt.date, flag_days: int,
           district: str | None) -> list[dict[str, Any]]:
    registered = Counter(world.resident_district.values())
    population = {r["district"]: r["population"] for r in store.db.query("SELECT * FROM district_population")}
    served: dict[str, set] = defaultdict(set)
    for attrs, rid in facts.residents:
        served[attrs[3]].add(rid)
    last_seen = _last_seen(store, world, as_of)
    rows = []
    for name in sorted(set(registered) | set(population)):
        if district is not None and name != district:
            continue
        row: dict[str, Any] = {"district": name, "registered_residents": registered[name],
                               "unique_residents_served": len(served[name]),
                               "reach_share": _ratio(len(served[name]), registered[name]),
                               "population": population.get(name),
                               "population_share": _ratio(len(served[name]), population.get(name) or 0)}
        for kind in ("session", "visit"):
            day = last_seen.get((kind, name))
            row[f"last_{kind}"] = day.isoformat() if day else None
            row[f"days_since_{kind}"] = (as_of - day).days if day else None
            row[f"{kind}_flagged"] = day is None or (as_of - day).days > flag_days
        rows.append(row)
    return rows


def _last_seen(store: Store, world: _World, as_of: dt.date) -> dict[tuple[str, str], dt.date]:
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
