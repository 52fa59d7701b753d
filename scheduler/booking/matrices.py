"""Travel matrices for offers, kept in the process and grown by one point at a time.

Every offer compiles its week again: the same depots, sites and homes as the
last call, plus the draft's one new place. Computing the whole matrix each
time costs one road search per point; `OfferMatrices` keeps the last few
matrices it gave (keyed by their points: the week's data, so a changed plan
or a new request simply gives a new key) and answers a request that differs
from one of them by a few points with that matrix, less the points gone, plus
the new ones added by `routing.network.RoadNetwork.extend` (two road searches
each). Thread-safe: the web app shares one per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["OfferMatrices"]

#: Matrices kept (the weeks an operator is booking into, a few drafts each).
KEEP = 8
#: Most new points added by extension; more than this and the whole matrix is computed.
MAX_NEW = 3

_Key = tuple  # the points, ((id, lat, lon), ...)


class OfferMatrices:
    """A matrix provider in front of a road network that reuses recent matrices (see the module docstring).

    Parameters
    ----------
    network
        The road network (`routing.network.RoadNetwork`): ``matrix``, ``extend``, ``off_road``.
    """

    def __init__(self, network: Any) -> None:
        self.network = network
        self._kept: OrderedDict[_Key, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.extended = self.computed = 0

    @property
    def snap_limit_m(self) -> float:
        """The network's snapping limit (the compiler names it in off-road messages)."""
        return self.network.snap_limit_m

    def off_road(self, points):
        """Return the points too far from any road (`RoadNetwork.off_road`)."""
        return self.network.off_road(points)

    def matrix(self, points):
        """Return the matrix between `points` (``(id, lat, lon)``), reusing a kept one when it can."""
        key = tuple((str(p[0]), float(p[1]), float(p[2])) for p in points)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                self.hits += 1
                return found
            base = self._closest(key)
        if base is None:
            m = self.network.matrix(list(key))
            counter = "computed"
        else:
            m = self._grow(base, key)
            counter = "extended"
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)
            self._kept[key] = m
            while len(self._kept) > KEEP:
                self._kept.popitem(last=False)
        return m

    def _closest(self, key: _Key) -> tuple[_Key, Any] | None:
        """Return the kept (key, matrix) missing the fewest of `key`'s points (at most `MAX_NEW`)."""
        wanted = set(key)
        best, fewest = None, MAX_NEW + 1
        for kept_key, m in self._kept.items():
            missing = len(wanted - set(kept_key))
            if missing < fewest and len(wanted) - missing > 0:
                best, fewest = (kept_key, m), missing
        return best

    def _grow(self, base: tuple[_Key, Any], key: _Key):
        """Return `key`'s matrix from a kept one: drop the points gone, extend by the new, put in order."""
        from routing.network import Matrix

        base_key, m = base
        where = {p: i for i, p in enumerate(base_key)}
        common = [p for p in key if p in where]
        idx = np.array([where[p] for p in common], dtype=np.int64)
        grown = Matrix([m.ids[i] for i in idx], [m.nodes[i] for i in idx],
                       m.durations[np.ix_(idx, idx)], m.distances[np.ix_(idx, idx)])
        for p in key:
            if p not in where:
                grown = self.network.extend(grown, p)
        order = {p: i for i, p in enumerate(common + [p for p in key if p not in where])}
        pos = np.array([order[p] for p in key], dtype=np.int64)
        return Matrix([grown.ids[i] for i in pos], [grown.nodes[i] for i in pos],
                      grown.durations[np.ix_(pos, pos)], grown.distances[np.ix_(pos, pos)])
