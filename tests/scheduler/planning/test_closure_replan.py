"""A closed road on the published sample week: which days it touches (checked against networkx with the road
removed), the stops it cuts off, per-day closures when a day is compiled, and the days re-planned."""

from __future__ import annotations

import collections
import datetime as dt
import itertools

import networkx as nx
import pytest

from routing.network import RoadNetwork
from scheduler.closures import RoadClosure, affected_days, closure_days, closure_edges
from scheduler.planning.replan_jobs import replan_days
from scheduler.planning.run import compile_from_store
from scheduler.vrp.params import SolveParams

WEEK = dt.date(2026, 11, 30)
TUE, WED, THU = (WEEK + dt.timedelta(days=k) for k in (1, 2, 3))
BEFORE = dt.datetime(2026, 11, 27, 9)  # the Friday before the week


@pytest.fixture
def store(published_store):
    return published_store


@pytest.fixture
def network(published_copy):
    return RoadNetwork.from_instance(published_copy)



def _weight(network):
    """The network's combined weight (travel time * K + length), the best of parallel edges."""
    network._weights()  # sets K
    k = network._k
    return lambda _u, _v, d: min(int(e["travel_time"]) * k + round(float(e["length"])) for e in d.values())


def _routes(store, day):
    plan = store.plans.published(WEEK)
    routes = collections.defaultdict(list)
    for s in sorted(plan.stops, key=lambda s: (s.vehicle_id, s.seq)):
        if s.day == day and s.lat is not None:
            routes[s.vehicle_id].append(s)
    return routes


def _node(network, stop):
    return network.snap([("s", stop.lat, stop.lon)])[0].node


def _expected(network, store, edges, days):
    """Per day: the legs whose fastest path weight differs without `edges`, and the stops no depot reaches and back."""
    G = network.G
    H = G.copy()
    H.remove_edges_from(edges)
    weight = _weight(network)

    def dist(graph, a, b):
        try:
            return nx.shortest_path_length(graph, a, b, weight=weight)
        except nx.NetworkXNoPath:
            return None

    legs, cut = {}, set()
    for day in days:
        routes = _routes(store, day)
        depots = {_node(network, s) for stops in routes.values() for s in stops if s.step_type in ("start", "end")}
        legs[day] = sum(dist(G, _node(network, a), _node(network, b)) != dist(H, _node(network, a), _node(network, b))
                        for stops in routes.values() for a, b in itertools.pairwise(stops))
        for stops in routes.values():
            for s in stops:
                n = _node(network, s)
                if s.request_id is not None and not any(
                        nx.has_path(H, d, n) and nx.has_path(H, n, d) for d in depots):
                    cut.add(s.id)
    return legs, cut


def _busiest_way(network, store, day):
    """The OSM way most of the day's legs drive along (their fastest paths on the open graph)."""
    return _ways_by_use(network, store, day).most_common(1)[0][0]


def _ways_by_use(network, store, day):
    """How many of the day's legs drive along each OSM way (their fastest paths on the open graph)."""
    G, weight = network.G, _weight(network)
    used = collections.Counter()
    for stops in _routes(store, day).values():
        for a, b in itertools.pairwise(stops):
            path = nx.shortest_path(G, _node(network, a), _node(network, b), weight=weight)
            for u, v in itertools.pairwise(path):
                for osmid in {w for d in G[u][v].values() for w in (
                        d["osmid"] if isinstance(d["osmid"], list) else [d["osmid"]])}:
                    used[osmid] += 1
    return used


def _home_ways(network, stop):
    home = _node(network, stop)
    G = network.G
    return tuple(sorted({w for _, _, o in [*G.in_edges(home, data="osmid"), *G.out_edges(home, data="osmid")]
                         for w in (o if isinstance(o, list) else [o])}))


def test_a_closed_through_road_touches_exactly_the_days_whose_legs_change(store, network):
    """Tuesday's busiest road closed Tuesday to Thursday: the days and legs are those networkx finds changed."""
    way = _busiest_way(network, store, TUE)
    closure = RoadClosure(start=dt.datetime.combine(TUE, dt.time(8)), end=dt.datetime.combine(THU, dt.time(17)),
                          way_ids=(way,))
    edges = closure_edges(network, closure)
    found = affected_days(store, network, closure, now=BEFORE)
    legs, cut = _expected(network, store, edges, [TUE, WED, THU])
    assert legs[TUE] > 0
    assert found.days == [d for d in (TUE, WED, THU) if legs[d]]
    assert found.legs == sum(legs.values())
    assert {s["stop_id"] for s in found.unreachable} == cut


def test_a_home_cut_off_is_listed_and_legs_already_driven_do_not_count(store, network):
    """Every road at a Tuesday resident's home: the stop is listed; from after the day's end, nothing is touched."""
    stop = next(s for s in _routes(store, TUE)[1] if s.step_type == "visit")
    closure = RoadClosure(start=dt.datetime.combine(TUE, dt.time()), end=dt.datetime.combine(WED, dt.time()),
                          way_ids=_home_ways(network, stop))
    assert closure_days(closure, BEFORE.date()) == [TUE]
    found = affected_days(store, network, closure, now=BEFORE)
    assert found.days == [TUE]
    assert {"stop_id": stop.id, "request_id": stop.request_id, "vehicle_id": stop.vehicle_id,
            "day": TUE.isoformat()} in found.unreachable
    evening = affected_days(store, network, closure, now=dt.datetime.combine(TUE, dt.time(23, 30)))
    assert (evening.days, evening.legs, evening.unreachable) == ([], 0, [])
    next_week = RoadClosure(start=dt.datetime(2026, 12, 8, 8), end=dt.datetime(2026, 12, 8, 17),
                            way_ids=closure.way_ids)
    assert affected_days(store, network, next_week, now=BEFORE).days == []  # nothing published there


def test_a_day_compiled_alone_applies_its_own_closures_only_and_the_days_are_re_planned(store, network):
    """A home cut off on Wednesday only: unreachable when Wednesday is compiled, not Tuesday; Wednesday re-planned
    leaves the resident out and keeps Tuesday as it was."""
    stop = next(s for stops in _routes(store, WED).values() for s in stops if s.step_type == "visit")
    closure = store.road_closures.add(RoadClosure(start=dt.datetime.combine(WED, dt.time(6)),
                                                  end=dt.datetime.combine(WED, dt.time(18)),
                                                  way_ids=_home_ways(network, stop)))

    def home_row(day):
        compiled = compile_from_store(store, network, WEEK, now=BEFORE, closures_of=day)
        at = next(i for i, loc in enumerate(compiled.locations) if (loc.lat, loc.lon) == (stop.lat, stop.lon))
        return max(compiled.problem["matrices"]["car"]["durations"][0][at],
                   compiled.problem["matrices"]["car"]["durations"][at][0])

    from routing.closures import UNREACHABLE_S

    assert home_row(WED) == UNREACHABLE_S and home_row(TUE) < UNREACHABLE_S
    published = store.plans.published(WEEK)
    [result] = replan_days(store, network, affected_days(store, network, closure, now=BEFORE).days, now=BEFORE,
                           user="test", params=SolveParams(time_limit_s=30, solution_limit=1))
    plan = result.plan
    assert plan.summary["change"]["day"] == WED.isoformat()
    assert stop.request_id not in {s.request_id for s in plan.stops if s.day == WED}
    assert stop.request_id in {u.request_id for u in plan.unassigned}
    tuesday = [(s.vehicle_id, s.seq, s.request_id, s.start_s) for s in published.stops if s.day == TUE]
    assert [(s.vehicle_id, s.seq, s.request_id, s.start_s) for s in plan.stops if s.day == TUE] == tuesday


def test_a_week_planned_with_a_tuesday_closure_drives_tuesday_around_it_and_monday_as_before(store, network):
    """A road Monday's legs drive along most (of those whose closure cuts no place off) closed on Tuesday only,
    the week planned again: every Monday leg takes the open road's time (some along the closed road), every
    Tuesday leg the closed network's, some longer."""
    from routing.closures import ClosedNetwork
    from scheduler.closures import closure_effect, published_places
    from scheduler.planning.run import plan_week

    mon = WEEK
    places = published_places(store, WEEK)
    for way, _ in _ways_by_use(network, store, mon).most_common():  # the busiest whose closure cuts nothing off
        edges = closure_edges(network, RoadClosure(start=BEFORE, end=BEFORE + dt.timedelta(hours=1), way_ids=(way,)))
        effect = closure_effect(network, edges, places.points, places.depots)
        if effect.pairs and not effect.unreachable:
            break
    else:
        pytest.fail("every road Monday drives along cuts some place off")
    store.road_closures.add(RoadClosure(start=dt.datetime.combine(TUE, dt.time(6)),
                                        end=dt.datetime.combine(TUE, dt.time(20)), way_ids=(way,)))
    plan = plan_week(store, network, WEEK, params=SolveParams(time_limit_s=30, solution_limit=1), user="test",
                     now=BEFORE).plan
    closed = ClosedNetwork(network, closure_edges(network, store.road_closures.all()[0]))

    def legs(day):
        """(from, to, driven seconds) of each leg of the day's routes, breaks skipped."""
        out = []
        for vehicle in sorted({s.vehicle_id for s in plan.stops if s.day == day}):
            stops = sorted((s for s in plan.stops if (s.vehicle_id, s.day) == (vehicle, day)
                            and s.step_type != "break"), key=lambda s: s.seq)
            out += [((a.lat, a.lon), (b.lat, b.lon), b.driving_s - a.driving_s) for a, b in itertools.pairwise(stops)]
        return out

    def durations(provider, pairs):
        places = sorted({p for a, b, _ in pairs for p in (a, b)})
        m = provider.matrix([(str(i), lat, lon) for i, (lat, lon) in enumerate(places)])
        at = {p: i for i, p in enumerate(places)}
        return [int(m.durations[at[a], at[b]]) for a, b, _ in pairs]

    monday, tuesday = legs(mon), legs(TUE)
    assert [d for _, _, d in monday] == durations(network, monday)
    assert durations(closed, monday) != durations(network, monday)  # the closure would have changed Monday
    assert [d for _, _, d in tuesday] == durations(closed, tuesday)
    assert any(c > o for c, o in zip(durations(closed, tuesday), durations(network, tuesday), strict=True))
