"""The figures summed day by day (issue 27): a question over a year reads summed rows, not every event.

A day's summary is `scheduler.evidence.facts.collect` restricted to that day, stored in the tables
of migration 0015:

- ``figures_days``: the days summed (a day without a row has not been);
- ``figures_counts``: the additive counts of a day per (vehicle, site, district, service), a column
  per `COUNTS` (``services_<code>`` is ``services_total`` of the row of that service); ``legs = 1``
  rows hold the kilometres, driving and staff time of the routes, counted up to the question's today;
- ``figures_served``: the residents served per group (for the unique counts), ``figures_leads``: each
  lead time in days (for the exact p50 / p90);
- ``figures_places``: the district each resident (else site) was taken to be in that day;
- ``figures_month_counts``, ``figures_month_served``: the same summed by month, kept with the days;
  a question reads its whole months there (up to its today) and its other days by day.

`refresh_days` sums days again from the raw rows. The store calls it in the same transaction as the
writes that change a day's figures: a crew's report (`Store.mark_stop`, `Store.record_handled`), a
cancellation (`Store.change_status`, the day of the event) and a plan version published
(`Store.plans.publish`, the days of its week). `ensure_days` runs before a question reads: days never
summed (a database from before the summary, rows written in bulk) and days whose resident or site now
lies in another district (a resident moved, a new resident nearer a hall) are summed then and stored.
Not followed by a hook (``odekake evidence rebuild`` puts them right): a hall seat booked or cancelled,
or a request's details changed, after its stop was reported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scheduler.evidence.facts import COUNTS, Facts, Store, World, collect

__all__ = ["REPORTS", "TABLES", "SummedPeople", "ensure_days", "rebuild", "refresh_days", "refresh_plan_week", "summed_facts"]

#: The summary's tables, each with a ``day`` column.
TABLES = ("figures_days", "figures_counts", "figures_served", "figures_leads", "figures_places")
#: The month tables, each with a ``month`` column.
MONTH_TABLES = ("figures_month_counts", "figures_month_served")
#: The longest run of days summed in one pass (bounds the memory of a rebuild).
RUN_DAYS = 92
#: The crew's reports the figures count (an arrival counts nothing).
REPORTS = frozenset({"done", "not_home", "cannot_serve"})
_INDEX = {name: i for i, name in enumerate(COUNTS)}
_GROUP = ("vehicle_id", "site_id", "district")


def refresh_days(store: Store, days: Iterable[dt.date], world: World | None = None) -> int:
    """Sum these days again from the raw rows and store them (one transaction); return how many."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    world = world or World.read(store)
    with store.transaction():
        for first, last in _runs(wanted):
            _refresh(store, world, first, last)
    return len(wanted)


def refresh_plan_week(store: Store, plan_id: int) -> int:
    """Sum again the seven days of a plan version's week (it was published)."""
    week = dt.date.fromisoformat(store.db.execute("SELECT week_start FROM plans WHERE id = ?", [plan_id]).fetchone()[0])
    return refresh_days(store, _dates(week, week + dt.timedelta(days=6)))


def rebuild(store: Store, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """Sum again every day from `first` to `last` (default: the first and last day with data); return how many."""
    lo, hi = store.db.execute(
        "SELECT MIN(d), MAX(d) FROM (SELECT day AS d FROM plan_stops UNION ALL SELECT substr(at, 1, 10) "
        "FROM request_events UNION ALL SELECT week_start FROM plans UNION ALL "
        "SELECT date(week_start, '+6 days') FROM plans)").fetchone()
    if lo is None and (first is None or last is None):
        return 0
    first = first or dt.date.fromisoformat(lo)
    last = last or dt.date.fromisoformat(hi)
    return refresh_days(store, _dates(first, last))


def ensure_days(store: Store, world: World, spans: Iterable[tuple[dt.date, dt.date]]) -> int:
    """Sum the days of these periods never summed, or summed with a district that changed since; return how many."""
    todo: set[dt.date] = set()
    for first, last in spans:
        span = [first.isoformat(), last.isoformat()]
        have = {r[0] for r in store.db.execute("SELECT day FROM figures_days WHERE day BETWEEN ? AND ?", span)}
        todo.update(d for d in _dates(first, last) if d.isoformat() not in have)
        todo.update(_moved(store, world, span))
    return refresh_days(store, todo, world)


def _moved(store: Store, world: World, span: list[str]) -> set[dt.date]:
    """The days of the span that counted a resident or site in a district it is no longer in."""
    places = store.db.execute("SELECT DISTINCT resident_id, site_id, district FROM figures_places "
                              "WHERE day BETWEEN ? AND ?", span).fetchall()
    moved = {(r, s, d) for r, s, d in places if world.district(r, s) != d}
    if not moved:
        return set()
    rows = store.db.execute("SELECT day, resident_id, site_id, district FROM figures_places WHERE day BETWEEN ? AND ?",
                            span)
    return {dt.date.fromisoformat(day) for day, *place in rows if tuple(place) in moved}


def _dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for n in range((last - first).days + 1):
        yield first + dt.timedelta(days=n)


def _runs(days: list[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days, each at most `RUN_DAYS` long."""
    start = end = days[0]
    for day in days[1:]:
        if day == end + dt.timedelta(days=1) and (day - start).days < RUN_DAYS:
            end = day
            continue
        yield start, end
        start = end = day
    yield start, end


def _refresh(store: Store, world: World, first: dt.date, last: dt.date) -> None:
    world.places = set()
    try:
        legs = Facts()
        facts = collect(store, world, first, last, last, legs)
        places = world.places
    finally:
        world.places = None
    db = store.db.conn
    span = [first.isoformat(), last.isoformat()]
    for table in TABLES:
        db.execute(f"DELETE FROM {table} WHERE day BETWEEN ? AND ?", span)
    db.executemany(f"INSERT INTO figures_counts (day, legs, {', '.join(_GROUP)}, service, {', '.join(COUNTS)}) "
                   f"VALUES ({', '.join('?' * (6 + len(COUNTS)))})", [*_count_rows(facts, 0), *_count_rows(legs, 1)])
    db.executemany("INSERT INTO figures_served (day, vehicle_id, site_id, district, resident_id) VALUES (?, ?, ?, ?, ?)",
                   [(*attrs[:4], rid) for attrs, rid in facts.residents])
    db.executemany("INSERT INTO figures_leads (day, vehicle_id, site_id, district, lead_days) VALUES (?, ?, ?, ?, ?)",
                   [(*attrs[:4], lead) for attrs, lead in facts.leads])
    db.executemany("INSERT INTO figures_places (day, resident_id, site_id, district) VALUES (?, ?, ?, ?)", places)
    db.executemany("INSERT INTO figures_days (day) VALUES (?)", [(day.isoformat(),) for day in _dates(first, last)])
    for month in sorted({d.isoformat()[:7] for d in _dates(first, last)}):
        _roll_up(db, month)


def _roll_up(db: Any, month: str) -> None:
    """Sum a month's day rows into the month tables."""
    db.execute("DELETE FROM figures_month_counts WHERE month = ?", [month])
    db.execute("DELETE FROM figures_month_served WHERE month = ?", [month])
    keys = f"legs, {', '.join(_GROUP)}, service"
    db.execute(f"INSERT INTO figures_month_counts (month, {keys}, {', '.join(COUNTS)}) SELECT ?, {keys}, "
               f"{', '.join(f'SUM({c})' for c in COUNTS)} FROM figures_counts WHERE day BETWEEN ? AND ? "
               f"GROUP BY {keys}", [month, f"{month}-01", f"{month}-31"])
    db.execute("INSERT INTO figures_month_served (month, vehicle_id, site_id, district, resident_id) "
               "SELECT DISTINCT ?, vehicle_id, site_id, district, resident_id FROM figures_served "
               "WHERE day BETWEEN ? AND ?", [month, f"{month}-01", f"{month}-31"])


def _count_rows(facts: Facts, legs: int) -> list[tuple]:
    """A row per group of the facts: its day, the flag, its attributes and a value per `COUNTS` (zeros kept)."""
    rows: dict[tuple, list] = {}
    for (attrs, measure), value in facts.counts.items():
        row = rows.setdefault(attrs, [0] * len(COUNTS))  # a group with only zeros still is a group
        i = _INDEX.get(measure)
        if i is not None:
            row[i] += value
    return [(attrs[0], legs, *attrs[1:], *values) for attrs, values in rows.items()]


def summed_facts(store: Store, first: dt.date, last: dt.date, today: dt.date, keep: str | None) -> Facts:
    """The additive counts of `first`..`last` by month, from the summary; vehicle or site kept when `keep` names it.

    Routes count up to `today`. The same counts as ``collect(...).by_month()`` with the vehicle and site
    of the groups not kept set to None (`scheduler.evidence.stats` groups by one of them at a time).
    The residents served and the lead times are counted in SQL (`SummedPeople`), not read back here.
    """
    group = {"v": "vehicle_id" if keep == "vehicle" else "NULL", "s": "site_id" if keep == "site" else "NULL",
             "sums": ", ".join(f"SUM({c})" for c in COUNTS)}
    months, spans = _split(first, last, today)
    facts = Facts()
    if months:
        _add_counts(facts, store.db.execute(_MONTH_COUNTS.format(**group), list(months)))
    for a, b in spans:
        _add_counts(facts, store.db.execute(_DAY_COUNTS.format(**group), [a.isoformat(), b.isoformat(), today.isoformat()]))
    return facts


_MONTH_COUNTS = ("SELECT month, {v}, {s}, district, service, {sums} FROM figures_month_counts "
                 "WHERE month BETWEEN ? AND ? GROUP BY 1, 2, 3, 4, 5")
_DAY_COUNTS = ("SELECT substr(day, 1, 7), {v}, {s}, district, service, {sums} FROM figures_counts "
               "WHERE day BETWEEN ? AND ? AND (legs = 0 OR day <= ?) GROUP BY 1, 2, 3, 4, 5")
#: The SQL of a grouping's key in the day tables (``None``: one group for all, keyed ``""``).
_DAY_KEY = {"month": "substr(day, 1, 7)", "district": "district", "vehicle": "vehicle_id", "site": "site_id",
            "service": "''", None: "''"}
_MONTH_KEY = _DAY_KEY | {"month": "month"}


@dataclass
class SummedPeople:
    """The residents served and the lead times of a period, counted in SQL from the summary (issue 27).

    A year holds some 40,000 residents served and as many lead times. The unique residents are counted
    where they are stored (``COUNT(DISTINCT)`` per group), not read back; the lead times are read once
    per question, as bare (group, days) pairs. Each answer is kept for the next table of the question.
    The same answers as counting `collect`'s facts (`scheduler.evidence.stats`'s raw-row path).
    """

    store: Store
    first: dt.date
    last: dt.date
    today: dt.date
    district: str | None = None

    def __post_init__(self) -> None:
        self._unique: dict[str | None, dict[Any, int]] = {}
        self._leads: dict[str | None, dict[Any, list[float]]] = {}

    def unique(self, by: str | None) -> dict[Any, int]:
        """The residents served at least once per group `by` (a grouping, or None for all under ``""``)."""
        if by not in self._unique:
            months, spans = _split(self.first, self.last, self.today)
            parts, args = [], []
            if months:
                parts.append(f"SELECT {_MONTH_KEY[by]} AS k, resident_id FROM figures_month_served "
                             f"WHERE month BETWEEN ? AND ?{self._in_district(args, list(months))}")
            for a, b in spans:
                parts.append(f"SELECT {_DAY_KEY[by]} AS k, resident_id FROM figures_served "
                             f"WHERE day BETWEEN ? AND ?{self._in_district(args, [a.isoformat(), b.isoformat()])}")
            sql = f"SELECT k, COUNT(DISTINCT resident_id) FROM ({' UNION ALL '.join(parts)}) GROUP BY k"
            self._unique[by] = dict(self.store.db.execute(sql, args).fetchall())
        return self._unique[by]

    def leads(self, by: str | None) -> dict[Any, tuple[int, list[float]]]:
        """Per group `by` (None: all under ``""``), how many lead times and them sorted.

        Read once per question as (group, days) pairs and sorted here: sorting some 40,000 values in
        SQLite (a window's ``ROW_NUMBER()``) took three times as long as reading them unsorted. All
        the lead times are those of any grouping, merged.
        """
        if by is None and self._leads:
            ranked = sorted(v for values in next(iter(self._leads.values())).values() for v in values)
            return {"": (len(ranked), ranked)} if ranked else {}
        if by not in self._leads:
            args: list = []
            where = self._in_district(args, [self.first.isoformat(), self.last.isoformat()])
            groups: dict[Any, list[float]] = defaultdict(list)
            for k, v in self.store.db.execute(f"SELECT {_DAY_KEY[by]}, lead_days FROM figures_leads "
                                              f"WHERE day BETWEEN ? AND ?{where}", args):
                groups[k].append(v)
            self._leads[by] = groups
        return {k: (len(values), sorted(values)) for k, values in self._leads[by].items()}

    def _in_district(self, args: list, span: list[str]) -> str:
        args.extend(span)
        if self.district is None:
            return ""
        args.append(self.district)
        return " AND district = ?"


def _split(first: dt.date, last: dt.date, today: dt.date) -> tuple[tuple[str, str] | None, list[tuple[dt.date, dt.date]]]:
    """The whole months of the period up to `today` (first and last, as 2026-04), and the other days as spans."""
    lo = first if first.day == 1 else (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = min(last, today)
    hi = end if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    if hi < lo:
        return None, [(first, last)]
    spans = [(first, lo - dt.timedelta(days=1)), (hi + dt.timedelta(days=1), last)]
    return (lo.isoformat()[:7], hi.isoformat()[:7]), [(a, b) for a, b in spans if a <= b]


def _add_counts(facts: Facts, rows: Iterable[tuple]) -> None:
    counts = facts.counts
    total = _INDEX["services_total"]
    for month, vehicle, site, district, service, *values in rows:
        attrs = (month, vehicle, site, district, service)
        if service:
            counts[(attrs, f"services_{service}")] += values[total]
        for name, value in zip(COUNTS, values, strict=True):
            if value or name == "services_total":  # a group with only zeros still is a group
                counts[(attrs, name)] += value


def summary_size(store: Store) -> dict[str, Any]:
    """Rows per table of the summary (for the benchmark and ``odekake evidence rebuild``)."""
    return {table: store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES + MONTH_TABLES}
