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
  of the population when one is imported (`scheduler.evidence.population`), the requests left
  unserved (``unserved``: not home, cannot serve, not planned; `UNSERVED`), and the days since
  its last hall session and last home visit, flagged past `FLAG_DAYS`. `district_centres` places
  each district at its registered residents' mean position (districts have no outline).

What is counted is defined once, on the raw rows, by `scheduler.evidence.facts` (the crew's reports,
what each 完了 handled, the routes of the newest published plans up to today, the requests left out,
the cancellations). `figures` reads it summed day by day (`scheduler.evidence.summary`, a few
thousand rows for a year); `figures_from_events` counts it from the raw rows, the same answer.
Residents forgotten under the data-protection rules stay counted; nothing here names a resident.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from routing.errors import InputError
from scheduler.evidence.facts import COUNTS, Facts, World, collect, last_seen
from scheduler.evidence.summary import SummedPeople, ensure_days, summed_facts

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["COUNTS", "FLAG_DAYS", "GROUPINGS", "MAX_PERIOD_DAYS", "UNSERVED", "Figures", "check_query", "district_centres",
           "figures", "figures_from_events"]

#: What the rows may be grouped by.
GROUPINGS = ("district", "site", "vehicle", "service", "month")
#: The longest period asked for (5 years).
MAX_PERIOD_DAYS = 5 * 365 + 2
#: Days without a hall session or a home visit after which a district is flagged.
FLAG_DAYS = 60

_ATTRS = {"month": 0, "vehicle": 1, "site": 2, "district": 3, "service": 4}


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


def district_centres(store: Store) -> dict[str, tuple[float, float, int]]:
    """Each district's registered residents' mean latitude and longitude, and how many (districts with a name)."""
    rows = store.db.execute("SELECT district, AVG(lat), AVG(lon), COUNT(*) FROM residents WHERE district != '' "
                            "AND lat IS NOT NULL AND lon IS NOT NULL GROUP BY district")
    return {name: (lat, lon, n) for name, lat, lon, n in rows}


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

    Read from the daily summary (`scheduler.evidence.summary`; days not yet summed are summed first):
    its sums, and the residents served and lead times counted in SQL (`SummedPeople`).
    `today` (default `last`) ends the routes counted: a day not yet driven has no kilometres.
    Raises `InputError` naming the field for a bad question (`check_query`).
    """
    check_query(store, first, last, by, district)
    world = World.read(store)
    today = today or last
    back = (_year_back(first), _year_back(last), _year_back(today))
    ensure_days(store, world, [(first, last), back[:2]])
    keep = by if by in ("vehicle", "site") else None
    return _answer(store, world, summed_facts(store, first, last, today, keep).only(district),
                   SummedPeople(store, first, last, today, district),
                   summed_facts(store, *back, keep).only(district), SummedPeople(store, *back, district),
                   by, district, today, flag_days)


def figures_from_events(store: Store, first: dt.date, last: dt.date, by: str = "district", *,
                        district: str | None = None, today: dt.date | None = None,
                        flag_days: int = FLAG_DAYS) -> Figures:
    """`figures` counted from the raw rows (`scheduler.evidence.facts.collect`), without the summary.

    The reference the summary is checked against (tests, the benchmark's "before"); slow on a year.
    """
    check_query(store, first, last, by, district)
    world = World.read(store)
    today = today or last
    facts = collect(store, world, first, last, today).by_month().only(district)
    year_before = collect(store, world, _year_back(first), _year_back(last), _year_back(today)).by_month()
    year_before = year_before.only(district)
    return _answer(store, world, facts, _FactsPeople(facts, first, last), year_before,
                   _FactsPeople(year_before, _year_back(first), _year_back(last)), by, district, today, flag_days)


class People(Protocol):
    """The residents served and the lead times of a period (the figures that are not sums)."""

    first: dt.date
    last: dt.date

    def unique(self, by: str | None) -> dict[Any, int]: ...

    def leads(self, by: str | None) -> dict[Any, tuple[int, list[float]]]: ...


class _FactsPeople:
    """`People` counted in Python from `collect`'s facts (the raw-row path)."""

    def __init__(self, facts: Facts, first: dt.date, last: dt.date) -> None:
        self.facts, self.first, self.last = facts, first, last

    def unique(self, by: str | None) -> dict[Any, int]:
        groups: dict[Any, set] = defaultdict(set)
        for attrs, rid in self.facts.residents:
            groups[attrs[_ATTRS[by]] if by else ""].add(rid)
        return {key: len(ids) for key, ids in groups.items()}

    def leads(self, by: str | None) -> dict[Any, tuple[int, list[float]]]:
        groups: dict[Any, list] = defaultdict(list)
        for attrs, lead in self.facts.leads:
            groups[attrs[_ATTRS[by]] if by else ""].append(lead)
        return {key: (len(values), sorted(values)) for key, values in groups.items()}


def _answer(store: Store, world: World, facts: Facts, people: People, year_before: Facts, people_before: People,
            by: str, district: str | None, today: dt.date, flag_days: int) -> Figures:
    rows = _rows(facts, people, by, world)  # before the totals: they merge the rows' lead times
    everyone = people.unique(None)
    totals = _row(facts.counts.items(), everyone.get("", 0), people.leads(None).get(""), world.codes)
    totals.update(key="", label="合計")
    first, last = people.first, people.last
    return Figures(first=first, last=last, by=by, rows=rows, totals=totals,
                   trend=_trend(facts, people, year_before, people_before, first, last),
                   reach=_reach(store, world, facts, people, min(last, today), flag_days, district),
                   empty=not (facts.counts or everyone))


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --------------------------------------------------------------------------- rows

def _rows(facts: Facts, people: People, by: str, world: World) -> list[dict[str, Any]]:
    i = _ATTRS[by]
    counts: dict[Any, list] = defaultdict(list)
    for f in facts.counts.items():
        counts[f[0][0][i]].append(f)
    residents = people.unique(by)
    leads = people.leads(by)
    keys = sorted(set(counts) | set(residents), key=lambda k: (k is None, str(k)))
    labels = world.labels.get(by, {})
    return [{"key": key, "label": labels.get(key, key if key else "地区なし" if by == "district" else ""),
             **_row(counts[key], residents.get(key, 0), leads.get(key), world.codes)} for key in keys]


def _row(counts: Iterable, residents: int, leads: tuple[int, list[float]] | None, codes: list[str]) -> dict[str, Any]:
    """A row's figures: its `counts` summed, its residents served, its lead times (how many, by rank)."""
    sums: Counter = Counter()
    for (_, measure), value in counts:
        sums[measure] += value
    row: dict[str, Any] = {name: sums[name] for name in COUNTS}
    row.update({f"services_{code}": sums[f"services_{code}"] for code in codes})
    driving_h = sums["driving_s"] / 3600
    row.update(
        unique_residents=residents,
        not_home_rate=_ratio(sums["unserved_not_home"], sums["resident_stops_reported"]),
        lead_time_days_p50=_percentile(leads, 0.5), lead_time_days_p90=_percentile(leads, 0.9),
        distance_km=round(sums["distance_m"] / 1000, 1), driving_hours=round(driving_h, 2),
        staff_hours=round(sums["staff_s"] / 3600, 2),
        services_per_driving_hour=_ratio(sums["services_total"], driving_h))
    return row


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _percentile(leads: tuple[int, list[float]] | None, q: float) -> float | None:
    """The `q` quantile of ``(n, ranked)``, interpolated between ranks (as numpy's default); None for none.

    ``ranked`` is sorted (`People.leads`).
    """
    if not leads:
        return None
    n, ranked = leads
    pos = (n - 1) * q
    low = math.floor(pos)
    high = min(low + 1, n - 1)
    return round(ranked[low] + (ranked[high] - ranked[low]) * (pos - low), 2)


# --------------------------------------------------------------------------- trend and reach

_TREND = ("services_total", "sessions_held", "visits_done", "errands_delivered", "rides_done", "unserved_not_home")


def _months(first: dt.date, last: dt.date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day.isoformat()[:7])
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _trend(facts: Facts, people: People, year_before: Facts, people_before: People, first: dt.date,
           last: dt.date) -> list[dict[str, Any]]:
    def by_month(f: Facts) -> dict[str, Counter]:
        sums: dict[str, Counter] = defaultdict(Counter)
        for (attrs, measure), value in f.counts.items():
            sums[attrs[0]][measure] += value
        return sums

    now, now_people = by_month(facts), people.unique("month")
    then, then_people = by_month(year_before), people_before.unique("month")
    rows = []
    for month in _months(first, last):
        earlier = f"{int(month[:4]) - 1}{month[4:]}"
        row: dict[str, Any] = {"month": month}
        for name in _TREND:
            row[name] = now[month][name]
            row[f"{name}_last_year"] = then[earlier][name]
        row["unique_residents"] = now_people.get(month, 0)
        row["unique_residents_last_year"] = then_people.get(earlier, 0)
        rows.append(row)
    return rows


#: The requests left unserved that a district's reach counts (``unserved``): not cancelled by the resident.
UNSERVED = ("unserved_not_home", "unserved_cannot_serve", "unserved_not_planned")


def _reach(store: Store, world: World, facts: Facts, people: People, as_of: dt.date, flag_days: int,
           district: str | None) -> list[dict[str, Any]]:
    registered = Counter(world.resident_district.values())
    population = {r["district"]: r["population"] for r in store.db.query("SELECT * FROM district_population")}
    served = people.unique("district")
    unserved: Counter = Counter()
    for (attrs, measure), value in facts.counts.items():
        if measure in UNSERVED:
            unserved[attrs[3]] += value
    seen = last_seen(store, world, as_of)
    rows = []
    for name in sorted(set(registered) | set(population)):
        if district is not None and name != district:
            continue
        reached = served.get(name, 0)
        row: dict[str, Any] = {"district": name, "registered_residents": registered[name],
                               "unique_residents_served": reached, "reach_share": _ratio(reached, registered[name]),
                               "population": population.get(name),
                               "population_share": _ratio(reached, population.get(name) or 0),
                               "unserved": unserved[name]}
        for kind in ("session", "visit"):
            day = seen.get((kind, name))
            row[f"last_{kind}"] = day.isoformat() if day else None
            row[f"days_since_{kind}"] = (as_of - day).days if day else None
            row[f"{kind}_flagged"] = day is None or (as_of - day).days > flag_days
        rows.append(row)
    return rows
