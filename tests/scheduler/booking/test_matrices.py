"""OfferMatrices: a kept matrix grown by new points gives exactly the figures of a whole new matrix."""

from __future__ import annotations

import numpy as np

from scheduler.booking.matrices import OfferMatrices


def _points(network, n, *, start=0):
    """`n` points on graph nodes (every 7th node from `start`), as ``(id, lat, lon)``."""
    G = network.G
    nodes = list(G.nodes)[start::7][:n]
    return [(f"p{start}-{i}", G.nodes[v]["y"], G.nodes[v]["x"]) for i, v in enumerate(nodes)]


def test_grown_matrix_equals_a_fresh_one_in_any_order(sample_network):
    """The week's points, then the same with one point gone and two new ones in the middle: same as computed."""
    cache = OfferMatrices(sample_network)
    week = _points(sample_network, 12)
    first = cache.matrix(week)
    assert cache.computed == 1
    new = _points(sample_network, 2, start=3)
    asked = week[:4] + [new[0]] + week[5:9] + [new[1]] + week[9:]
    grown = cache.matrix(asked)
    fresh = sample_network.matrix(asked)
    assert (cache.computed, cache.extended) == (1, 1)
    assert grown.ids == fresh.ids and grown.nodes == fresh.nodes
    assert np.array_equal(grown.durations, fresh.durations) and np.array_equal(grown.distances, fresh.distances)
    assert cache.matrix(week) is first and cache.hits == 1


def test_points_far_from_any_kept_matrix_are_computed_whole(sample_network):
    """More than MAX_NEW new points: the whole matrix is computed (not grown)."""
    cache = OfferMatrices(sample_network)
    cache.matrix(_points(sample_network, 5))
    cache.matrix(_points(sample_network, 5, start=2))
    assert (cache.computed, cache.extended) == (2, 0)
