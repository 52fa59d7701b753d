"""Road closures (通行止め) as the service keeps them, and the road network a week is planned on.

`RoadClosure` is a stored closure: the roads given as OSM way ids, two points
on the map (the fastest road between them) or graph edges, from when until
when, with a note. Periods may overlap. The roads are found on the graph each
time the closure is applied (`closure_edges`), so a rebuilt graph still honours
it; an edge no longer in the graph is ignored.

Which closures a plan honours: a closure active at any moment of a day counts
for that whole day (a road closed 14:00-16:00 is closed for the day's plan).
Each day is planned with its own closures only: a week's compile gives the
days with an active closure their own matrix (`day_providers`: one closed
provider per set of closures, shared by the days that have the same set; the
compiler puts it under its own profile for those days' shifts), so a road
closed on Tuesday changes Tuesday's travel times and leaves Monday's as they
are. A day compiled alone (a day's re-plan) applies that day's closures only
(`day_provider`).

A new closure touches a published day when some leg of its routes still to
drive (from one stop to the next) has its travel time changed, or no road at
all, with the closure's roads closed (`affected_days`: one matrix over the
places of every published day in the closure's period, from today on); those
days are re-planned as a job (`scheduler.planning.replan_jobs`, kind
``closure``). This module gives the closed network, the pairs touched and the
places cut off (`closure_effect`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scheduler.domain import DomainError, check_text

if TYPE_CHECKING:
    from routing.closures import Edge

__all__ = ["AffectedDays", "ClosureEffect", "ClosureReport", "PublishedPlaces", "RoadClosure", "active_between",
           "affected_days", "closure_days", "closure_edges", "closure_effect", "day_bounds", "day_provider",
           "day_providers", "published_places", "record_closure"]

log = logging.getLogger(__name__)


def _fail(field_name: str, problem: str, /, **params: object) -> None:
    raise DomainError.of(field_name, problem, **params)


@dataclass
class RoadClosure:
    """A road closed from `start` (``from``) until `end` (``until``), city time.

    Exactly one of `way_ids`, `points` (two ``(lat, lon)``) and `edges` says which road.
    """

    start: dt.datetime
    end: dt.datetime
    way_ids: tuple[int, ...] = ()
    points: tuple[tuple[float, float], ...] = ()
    edges: tuple[Edge, ...] = ()
    note: str = ""
    created_by: str = ""
    created_at: dt.datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        given = [name for name in ("way_ids", "points", "edges") if getattr(self, name)]
        if len(given) != 1:
            _fail("way_ids", "give the road either as way_ids or as two points (exactly one of them)")
        if self.points and len(self.points) != 2:
            _fail("points", "give exactly two points [lat, lon], got {count}", count=len(self.points))
        for lat, lon in self.points:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                _fail("points", "({lat}, {lon}) is not a point on the map", lat=lat, lon=lon)
        if any(w <= 0 for w in self.way_ids):
            _fail("way_ids", "an OSM way id is a positive number, got {way}", way=min(self.way_ids))
        if self.end <= self.start:
            _fail("until", "{until} is not after from ({start})", until=self.end.isoformat(timespec="minutes"),
                  start=self.start.isoformat(timespec="minutes"))
        check_text("note", self.note)

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Return whether the road is closed at any moment of [start, end)."""
        return self.start < end and start < self.end


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return [the start of `first`, the start of the day after `last`): the days as a half-open span."""
    return (dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))


def active_between(closures: Iterable[RoadClosure], first: dt.date, last: dt.date) -> list[RoadClosure]:
    """Return the closures active at any moment of the days `first`..`last` (a part of a day counts)."""
    start, end = day_bounds(first, last)
    return [c for c in closures if c.overlaps(start, end)]


def closure_edges(network: Any, closure: RoadClosure) -> list[Edge]:
    """Return the graph edges `closure` closes on `network`'s graph (`routing.closures`)."""
    # routing.closures (scipy, networkx) is imported when a closure is applied, not with the store
    from routing.closures import edges_between, edges_of_ways

    if closure.way_ids:
        return edges_of_ways(network.G, closure.way_ids)
    if closure.points:
        return edges_between(network, closure.points[0], closure.points[1])
    return [tuple(e) for e in closure.edges]


def _road_network(provider: Any) -> Any:
    """The `RoadNetwork` behind a provider (itself, or the network a cache such as OfferMatrices wraps)."""
    if hasattr(provider, "G") and hasattr(provider, "_weights"):
        return provider
    inner = getattr(provider, "network", None)
    return inner if inner is not None and hasattr(inner, "G") else None


def day_providers(provider: Any, closures: Sequence[RoadClosure], week_start: dt.date) -> dict[dt.date, Any]:
    """Return, for each day of the week with an active closure, the matrix provider with that day's closures applied.

    Days closed by the same closures share one provider (one matrix). Days without an active closure
    are left out: they drive on `provider` itself. Without a road network behind the provider (a
    test's straight-line matrix) nothing is closed and the answer is empty.
    """
    by_set: dict[tuple[int, ...], Any] = {}
    out: dict[dt.date, Any] = {}
    for day in (week_start + dt.timedelta(days=k) for k in range(7)):
        start, end = day_bounds(day, day)
        key = tuple(i for i, c in enumerate(closures) if c.overlaps(start, end))
        if not key:
            continue
        if key not in by_set:
            by_set[key] = _closed(provider, [closures[i] for i in key])
        if by_set[key] is not provider:
            out[day] = by_set[key]
    return out


def day_provider(provider: Any, closures: Sequence[RoadClosure], day: dt.date) -> Any:
    """Return the matrix provider for one day (a day's re-plan): `provider` with the closures active on `day` only."""
    return _closed(provider, active_between(closures, day, day))


def _closed(provider: Any, active: Sequence[RoadClosure]) -> Any:
    if not active:
        return provider
    network = _road_network(provider)
    if network is None:
        log.warning("%d road closures left out: the matrix provider has no road graph", len(active))
        return provider
    from routing.closures import ClosedNetwork

    edges = {e for c in active for e in closure_edges(network, c)}
    return ClosedNetwork(network, edges, base=provider)


@dataclass
class ClosureEffect:
    """What closing some roads does to a set of places.

    Attributes
    ----------
    pairs
        How many (from, to) pairs of places have a fastest path along a closed road.
    unreachable
        Keys of the places no depot can reach and come back from (``site:7``, ``home:31``).
    points
        How many places were looked at.
    """

    pairs: int = 0
    unreachable: list[str] = field(default_factory=list)
    points: int = 0


def closure_effect(network: Any, edges: Iterable[Edge], points: Sequence[tuple[str, float, float]],
                   depots: Sequence[str]) -> ClosureEffect:
    """Return what closing `edges` does to `points` (``(key, lat, lon)``), cut off meaning from every depot."""
    from routing.closures import ClosedNetwork

    if not points:
        return ClosureEffect()
    closed = ClosedNetwork(network, edges)
    closed.matrix(points)
    result = closed.last
    return ClosureEffect(pairs=len(result.used), unreachable=[p for p in result.cut_off(depots) if p not in depots],
                         points=len(points))


@dataclass
class PublishedPlaces:
    """The places of a week's published plan: ``(key, lat, lon)`` points, depot keys, and who each key is."""

    points: list[tuple[str, float, float]] = field(default_factory=list)
    depots: list[str] = field(default_factory=list)
    #: key -> ("site" | "resident", city id)
    who: dict[str, tuple[str, str]] = field(default_factory=dict)


def published_places(store: Any, week_start: dt.date) -> PublishedPlaces:
    """Return the places the published plan of the week visits (none without a published plan).

    A stop is at its site when it names one at the stop's position (a depot, a hall, a shop), else at
    its resident's home.
    """
    from scheduler.domain import city_id

    plan = store.plans.published(week_start)
    places = PublishedPlaces()
    if plan is None:
        return places
    seen: dict[str, tuple[float, float]] = {}
    for stop in plan.stops:
        if stop.lat is None or stop.lon is None:
            continue
        site = store.sites.get(stop.site_id) if stop.site_id is not None else None
        if site is not None and (site.lat, site.lon) == (stop.lat, stop.lon):
            key = f"site:{site.id}"
            places.who.setdefault(key, ("site", city_id(site)))
            if stop.step_type in ("start", "end") and key not in places.depots:
                places.depots.append(key)
        elif stop.resident_id is not None:
            key = f"home:{stop.resident_id}"
            places.who.setdefault(key, ("resident", city_id(store.residents.get(stop.resident_id))))
        else:
            continue
        seen.setdefault(key, (stop.lat, stop.lon))
    places.points = [(key, lat, lon) for key, (lat, lon) in seen.items()]
    return places


@dataclass
class ClosureReport:
    """A stored closure and what it does to the published plan of the first week it touches from today on."""

    closure: RoadClosure
    roads: int
    week: dt.date
    published: bool
    places: int = 0
    pairs: int = 0
    #: ("site" | "resident", city id) of each place no depot can reach and come back from
    unreachable: list[tuple[str, str]] = field(default_factory=list)


def record_closure(store: Any, network: Any, closure: RoadClosure, *, today: dt.date,
                   user: str = "", now: dt.datetime | None = None) -> ClosureReport:
    """Find the closure's roads on the graph (refusing unknown ways and points off the road), store it, assess it.

    The week assessed is the one of the closure's first day, or of `today` when it began earlier.
    """
    from scheduler.domain import week_monday

    edges = closure_edges(network, closure)
    closure.created_by, closure.created_at = user, now
    stored = store.road_closures.add(closure)
    week = week_monday(max(today, closure.start.date()))
    places = published_places(store, week)
    effect = closure_effect(network, edges, places.points, places.depots)
    return ClosureReport(stored, len(edges), week, store.plans.published(week) is not None, places=effect.points,
                         pairs=effect.pairs, unreachable=[places.who[k] for k in effect.unreachable])


@dataclass
class AffectedDays:
    """The published days a closure touches: their legs along changed pairs, and the stops it cuts off.

    Attributes
    ----------
    days
        Days (from today on, with a published plan) with a leg still to drive whose travel time
        changed or that has no road left.
    legs
        How many such legs.
    unreachable
        Stops still to come (``stop_id``, ``request_id``, ``vehicle_id``, ``day``) at a place no
        depot of the day can reach and come back from.
    """

    days: list[dt.date] = field(default_factory=list)
    legs: int = 0
    unreachable: list[dict] = field(default_factory=list)


def closure_days(closure: RoadClosure, today: dt.date) -> list[dt.date]:
    """Return the days from `today` on at some moment of which the road is closed."""
    first = max(today, closure.start.date())
    last = (closure.end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _day_routes(store: Any, days: Sequence[dt.date]) -> dict[dt.date, dict[int, list[Any]]]:
    """Return each day's published routes (vehicle id -> its stops in order), days without a published plan left out."""
    from scheduler.domain import week_monday

    plans: dict[dt.date, Any] = {}
    out: dict[dt.date, dict[int, list[Any]]] = {}
    for day in days:
        week = week_monday(day)
        if week not in plans:
            plans[week] = store.plans.published(week)
        if plans[week] is None:
            continue
        routes: dict[int, list[Any]] = {}
        for stop in sorted((s for s in plans[week].stops if s.day == day and s.lat is not None),
                           key=lambda s: (s.vehicle_id, s.seq)):
            routes.setdefault(stop.vehicle_id, []).append(stop)
        if routes:
            out[day] = routes
    return out


def affected_days(store: Any, network: Any, closure: RoadClosure, *, now: dt.datetime,
                  edges: Sequence[Edge] | None = None) -> AffectedDays:
    """Return the published days `closure` touches (see the module docstring) and the stops it cuts off.

    Legs and stops already driven (leaving before `now`) do not count. Without a road network
    behind `network` nothing is touched.
    """
    from routing.closures import ClosedNetwork
    from scheduler.domain import week_monday, week_seconds

    road = _road_network(network)
    routes = _day_routes(store, closure_days(closure, now.date()))
    if road is None or not routes:
        return AffectedDays()
    index: dict[tuple[float, float], int] = {}
    for stops in (s for by_vehicle in routes.values() for s in by_vehicle.values()):
        for stop in stops:
            index.setdefault((stop.lat, stop.lon), len(index))
    closed = ClosedNetwork(road, closure_edges(road, closure) if edges is None else edges)
    closed.matrix([(f"p{i}", lat, lon) for (lat, lon), i in index.items()])
    result = closed.last
    out = AffectedDays()
    for day, by_vehicle in sorted(routes.items()):
        now_s = week_seconds(week_monday(day), now.date(), now.hour * 3600 + now.minute * 60 + now.second)
        depots = [f"p{index[(s.lat, s.lon)]}" for stops in by_vehicle.values() for s in stops
                  if s.step_type in ("start", "end")]
        cut = set(result.cut_off(depots))
        legs = 0
        for stops in by_vehicle.values():
            to_come = [s for s in stops if s.departure_s >= now_s]
            legs += sum((index[(a.lat, a.lon)], index[(b.lat, b.lon)]) in result.changed
                        for a, b in itertools.pairwise(stops) if a.departure_s >= now_s)
            out.unreachable += [{"stop_id": s.id, "request_id": s.request_id, "vehicle_id": s.vehicle_id,
                                 "day": day.isoformat()} for s in to_come
                                if s.request_id is not None and f"p{index[(s.lat, s.lon)]}" in cut]
        if legs:
            out.days.append(day)
            out.legs += legs
    return out
