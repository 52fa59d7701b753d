"""Road closures in the service: the record's checks, storage by period, and the week's matrix provider."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from routing.closures import UNREACHABLE_S, ClosedNetwork, apply_closures
from routing.errors import InputError
from scheduler.booking.matrices import OfferMatrices
from scheduler.closures import (
    RoadClosure,
    active_between,
    closure_edges,
    closure_effect,
    day_provider,
    day_providers,
)
from scheduler.io.sample import load_sample, sample_now
from scheduler.planning import compile_from_store
from scheduler.store import NotFound, Store

WEEK = dt.date(2026, 11, 30)
T = dt.datetime(2026, 12, 1, 9)


def _closure(start=T, hours=4, **road):
    road = road or {"edges": ((1, 2, 0),)}
    return RoadClosure(start=start, end=start + dt.timedelta(hours=hours), **road)


def _cut_off_edges(G, node):
    """Every edge into and out of one node: closing them cuts it off."""
    return tuple(sorted({*G.in_edges(node, keys=True), *G.out_edges(node, keys=True)}))


def test_record_checks_its_fields():
    """`until` after `from` (named until), one way of naming the road, two points, positive way ids."""
    with pytest.raises(InputError, match=r"^until: 2026-12-01T09:00 is not after from \(2026-12-01T09:00\)"):
        _closure(hours=0)
    with pytest.raises(InputError, match="^way_ids: give the road either as way_ids or as two points"):
        RoadClosure(start=T, end=T + dt.timedelta(hours=1))
    with pytest.raises(InputError, match="^way_ids: give the road either"):
        _closure(way_ids=(5,), points=((35.0, 135.0), (35.1, 135.1)))
    with pytest.raises(InputError, match="^points: give exactly two points"):
        _closure(points=((35.0, 135.0),))
    with pytest.raises(InputError, match="^way_ids: an OSM way id is a positive number, got -3"):
        _closure(way_ids=(-3,))
    with pytest.raises(InputError, match="^note:"):
        RoadClosure(start=T, end=T + dt.timedelta(hours=1), way_ids=(5,), note="x" * 5000)


def test_a_part_of_a_day_counts_for_the_day():
    """A closure 14:00-16:00 on Tuesday is active on Tuesday only; one ending at midnight not the next day."""
    tuesday = _closure(start=dt.datetime(2026, 12, 1, 14), hours=2)
    to_midnight = _closure(start=dt.datetime(2026, 11, 30, 20), hours=4)
    days = [WEEK + dt.timedelta(days=i) for i in range(3)]
    assert [bool(active_between([tuesday], d, d)) for d in days] == [False, True, False]
    assert [bool(active_between([to_midnight], d, d)) for d in days] == [True, False, False]


def test_store_keeps_overlapping_closures_by_period():
    """Overlapping periods are allowed; listing by days keeps those active any part of them; removal."""
    with Store.open(":memory:") as store:
        a = store.road_closures.add(_closure(way_ids=(11, 12), hours=48))
        b = store.road_closures.add(_closure(start=T + dt.timedelta(hours=1), points=((35.0, 135.0), (35.1, 135.1)),
                                            hours=2))
        c = store.road_closures.add(_closure(start=dt.datetime(2026, 12, 7, 23), hours=1))
        assert a.id and store.road_closures.get(a.id) == a
        assert [x.id for x in store.road_closures.all()] == [a.id, b.id, c.id]
        assert [x.id for x in store.road_closures.between(WEEK, WEEK + dt.timedelta(days=6))] == [a.id, b.id]
        assert [x.id for x in store.road_closures.between(dt.date(2026, 12, 3))] == [a.id]
        assert [x.id for x in store.road_closures.between(dt.date(2026, 11, 30))] == []
        store.road_closures.delete(b.id)
        assert [x.id for x in store.road_closures.all()] == [a.id, c.id]
        with pytest.raises(NotFound):
            store.road_closures.delete(b.id)


def test_day_providers_close_each_day_on_its_own_closures(sample_network):
    """Tuesday's closure gives Tuesday a ClosedNetwork (also in front of the booking's cache) and no other day;
    days with the same closures share one provider; a week without any gets none."""
    G = sample_network.G
    node = sorted(G.nodes)[40]
    closure = _closure(edges=_cut_off_edges(G, node))
    points = [("a", G.nodes[n]["y"], G.nodes[n]["x"]) for n in sorted(G.nodes)[:5]]
    points.append(("cut", G.nodes[node]["y"], G.nodes[node]["x"]))
    assert day_providers(sample_network, [closure], WEEK + dt.timedelta(days=7)) == {}
    assert day_providers(sample_network, [], WEEK) == {}
    assert day_provider(sample_network, [closure], WEEK) is sample_network
    expected = apply_closures(sample_network, sample_network.matrix(points), closure.edges).matrix
    for base in (sample_network, OfferMatrices(sample_network)):
        by_day = day_providers(base, [closure], WEEK)
        assert list(by_day) == [T.date()]
        provider = by_day[T.date()]
        assert isinstance(provider, ClosedNetwork) and provider.base is base
        m = provider.matrix(points)
        assert np.array_equal(m.durations, expected.durations)
        assert m.durations[0, 5] == UNREACHABLE_S
    two_days = _closure(edges=closure.edges, hours=30)  # Tuesday 09:00 to Wednesday 15:00
    later = _closure(start=T + dt.timedelta(days=2), edges=closure.edges)  # Thursday: another set
    by_day = day_providers(sample_network, [two_days, later], WEEK)
    assert sorted(by_day) == [T.date(), T.date() + dt.timedelta(days=1), T.date() + dt.timedelta(days=2)]
    assert by_day[T.date()] is by_day[T.date() + dt.timedelta(days=1)]
    assert by_day[T.date()] is not by_day[T.date() + dt.timedelta(days=2)]


def test_closure_edges_resolve_on_the_graph(sample_network):
    """Way ids and two points are turned into the graph's edges each time."""
    G = sample_network.G
    u, v, k, osmid = next(iter(G.edges(keys=True, data="osmid")))
    way = osmid[0] if isinstance(osmid, list) else osmid
    assert (u, v, k) in closure_edges(sample_network, _closure(way_ids=(way,)))
    nodes = sorted(G.nodes)
    a, b = nodes[0], nodes[60]
    by_points = closure_edges(sample_network, _closure(points=((G.nodes[a]["y"], G.nodes[a]["x"]),
                                                                (G.nodes[b]["y"], G.nodes[b]["x"]))))
    assert by_points and all(G.has_edge(*e) for e in by_points)


@pytest.fixture(scope="module")
def sample_store(sample_network):
    with Store.open(":memory:") as store:
        load_sample(store, sample_network, WEEK)
        yield store


def test_a_tuesday_closure_changes_tuesdays_travel_times_only(sample_store, sample_network):
    """A resident's home cut off on Tuesday: Tuesday's shifts drive on a matrix where it is unreachable, every
    other day's on the week's matrix exactly as without the closure."""
    store = sample_store
    now = sample_now(WEEK)
    open_week = compile_from_store(store, sample_network, WEEK, now=now)
    keys = [loc.key for loc in open_week.locations]
    home = next(i for i, k in enumerate(keys) if k.startswith("home:"))
    node = sample_network.snap([("h", open_week.locations[home].lat, open_week.locations[home].lon)])[0].node
    closure = store.road_closures.add(_closure(edges=_cut_off_edges(sample_network.G, node)))
    try:
        closed_week = compile_from_store(store, sample_network, WEEK, now=now)
        matrices = closed_week.problem["matrices"]
        open_durations = open_week.problem["matrices"]["car"]["durations"]
        assert sorted(matrices) == ["car", f"car@{T.date().isoformat()}"]
        assert matrices["car"]["durations"] == open_durations
        days = {v["id"]: closed_week.vehicles[v["id"]].day for v in closed_week.problem["vehicles"]}
        assert {days[v["id"]] for v in closed_week.problem["vehicles"]} >= {WEEK, T.date()}
        for vehicle in closed_week.problem["vehicles"]:
            durations = matrices[vehicle.get("profile", "car")]["durations"]
            if days[vehicle["id"]] == T.date():
                assert durations[0][home] == UNREACHABLE_S and durations[home][0] == UNREACHABLE_S
            else:
                assert durations == open_durations
        tuesday = matrices[f"car@{T.date().isoformat()}"]["durations"]
        assert open_durations[0][home] != UNREACHABLE_S
        points = [(loc.key, loc.lat, loc.lon) for loc in open_week.locations]
        expected = apply_closures(sample_network, sample_network.matrix(points), closure.edges).matrix
        assert tuesday == [[int(v) for v in row] for row in expected.durations]
        effect = closure_effect(sample_network, closure.edges,
                                [(loc.key, loc.lat, loc.lon) for loc in open_week.locations], [keys[0]])
        assert keys[home] in effect.unreachable and effect.pairs > 0
    finally:
        store.road_closures.delete(closure.id)
