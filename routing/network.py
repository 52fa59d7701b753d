"""Travel-time matrices on a road graph: the facade the scheduler uses.

`RoadNetwork` snaps points to graph nodes and computes directed duration and
distance matrices with `scipy.sparse.csgraph.dijkstra` on a CSR matrix built
once per graph.

Distances along the fastest path
--------------------------------
Each edge gets one combined integer weight ``travel_time_s * K + length_m``
where ``K`` exceeds the length of any path (the total road length plus one).
The shortest path for this weight is the fastest path, ties broken by the
shorter distance, and one Dijkstra pass gives both figures:
``duration = w // K`` and ``distance = w % K``. The weights stay below 2**53,
so float64 sums are exact (checked when the CSR matrix is built).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import math
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from routing import settings
from routing.errors import InputError
from routing.files import read_settings_json, write_atomic
from routing.graph import graph_fingerprint, load_instance_graph
from routing.instance import cache_dir as instance_cache_dir

log = logging.getLogger(__name__)

_EARTH_RADIUS_M = 6_371_009.0


class SnapError(InputError):
    """A point lies too far from any road to be snapped; names the point and distance."""

    def __init__(self, msg: str = "", *, point_id: str, distance_m: float, **parts: Any) -> None:
        super().__init__(msg, **parts)
        self.point_id = point_id
        self.distance_m = distance_m


@dataclass(frozen=True)
class Snapped:
    """A point snapped to its nearest graph node.

    Attributes
    ----------
    id, lat, lon
        The point as given.
    node
        OSM id of the nearest graph node.
    offset_m
        Straight-line distance in metres from the point to that node (not
        included in matrix figures).
    """

    id: str
    lat: float
    lon: float
    node: int
    offset_m: float


@dataclass
class Matrix:
    """A directed travel matrix between points (row = from, column = to).

    Attributes
    ----------
    ids
        Point ids, in row order.
    nodes
        Graph node each point was snapped to.
    durations
        ``int64`` array of driving seconds along the fastest road path.
    distances
        ``int64`` array of metres along that same path.
    """

    ids: list[str]
    nodes: list[int]
    durations: np.ndarray
    distances: np.ndarray

    def to_json(self) -> dict[str, Any]:
        """Return ``{"ids", "durations", "distances"}`` as plain lists."""
        return {
            "ids": list(self.ids),
            "durations": self.durations.tolist(),
            "distances": self.distances.tolist(),
        }


Point = tuple  # (id, lat, lon)


class RoadNetwork:
    """Snapping, matrices and route shapes on one road graph.

    Parameters
    ----------
    G
        A road graph from `routing.graph.load_graph` (edge ``travel_time`` in
        integer seconds ≥ 1, ``length`` in metres).
    cache_dir
        Folder for cached matrices (``.npz`` keyed by graph fingerprint and
        node order); None disables the disk cache.
    snap_limit_m
        Farthest distance to snap a point; default `routing.settings.snap_limit_m`
        read at call time.
    """

    def __init__(self, G: nx.MultiDiGraph, *, cache_dir: str | os.PathLike | None = None,
                 snap_limit_m: float | None = None) -> None:
        if G.number_of_nodes() == 0:
            raise InputError.of("", "road graph has no nodes")
        self.G = G
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._snap_limit_m = snap_limit_m
        self.fingerprint = G.graph.get("fingerprint") or graph_fingerprint(G)
        self.node_ids = np.array(sorted(G.nodes), dtype=np.int64)
        self._index = {int(n): i for i, n in enumerate(self.node_ids)}
        self._lat = np.array([float(G.nodes[n]["y"]) for n in self.node_ids])
        self._lon = np.array([float(G.nodes[n]["x"]) for n in self.node_ids])
        self._csr = None
        self._csr_reversed = None
        self._tree = None
        self._best_edge: dict[tuple[int, int], dict[str, Any]] = {}
        #: Counts of matrix cache reads and writes (for tests and logs).
        self.cache_stats = {"hits": 0, "misses": 0, "corrupt": 0}

    @classmethod
    def from_instance(cls, instance_dir: str | os.PathLike, **kwargs: Any) -> RoadNetwork:
        """Open the road graph built in an instance folder, caching in its cache folder.

        Raises
        ------
        routing.errors.InputError
            ``no road graph in <dir>: run `odekake graph build` first`` when not built.
        """
        instance = Path(instance_dir)
        G = load_instance_graph(instance)
        kwargs.setdefault("cache_dir", instance_cache_dir(instance) / "matrices")
        kwargs.setdefault("snap_limit_m", instance_snap_limit_m(instance))
        return cls(G, **kwargs)

    @property
    def snap_limit_m(self) -> float:
        """Farthest snapping distance in metres in force now."""
        return float(self._snap_limit_m if self._snap_limit_m is not None else settings.snap_limit_m)

    # ------------------------------------------------------------- snapping
    def snap(self, points: Iterable[Point]) -> list[Snapped]:
        """Snap ``(id, lat, lon)`` points to their nearest graph nodes.

        Raises
        ------
        SnapError
            If a point is farther than `snap_limit_m` from every node.
        InputError
            If a coordinate is not a finite number in range.
        """
        pts = [_check_point(p) for p in points]
        if not pts:
            return []
        dist_m, idx = self._nearest([p[1] for p in pts], [p[2] for p in pts])
        limit = self.snap_limit_m
        snapped = []
        for (pid, lat, lon), d, i in zip(pts, dist_m, idx):
            offset_m = float(d)
            if offset_m > limit:
                raise SnapError(point_id=pid, distance_m=offset_m, template=(
                    "point {point!r} ({lat:.6f}, {lon:.6f}) is {offset_m:.0f} m from the nearest road "
                    "(limit {limit:.0f} m)"), params={"point": pid, "lat": lat, "lon": lon, "offset_m": offset_m,
                                                      "limit": limit})
            snapped.append(Snapped(pid, lat, lon, int(self.node_ids[i]), round(offset_m, 1)))
        return snapped

    def off_road(self, points: Iterable[Point]) -> dict[str, float]:
        """Return ``{id: metres to the nearest node}`` of the points too far to snap.

        The points `snap` would refuse, all of them at once (`snap` stops at
        the first), so a caller can leave those out and go on with the rest.

        Raises
        ------
        InputError
            If a coordinate is not a finite number in range.
        """
        pts = [_check_point(p) for p in points]
        if not pts:
            return {}
        dist_m, _ = self._nearest([p[1] for p in pts], [p[2] for p in pts])
        limit = self.snap_limit_m
        offsets = (float(d) for d in dist_m)
        return {pid: round(m, 1) for (pid, _, _), m in zip(pts, offsets) if m > limit}

    def _nearest(self, lats: Sequence[float], lons: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Return the great-circle distance in metres to the nearest node of each point, and its index.

        A k-d tree over the nodes' unit vectors finds the nearest by chord
        length, which grows with the great-circle distance, so the node is the
        one a haversine search finds (either of equally near ones on a tie);
        the chord c is turned back into metres exactly, ``2 R asin(c / 2)``.
        """
        if self._tree is None:
            # imported here, not with the module: only snapping needs it
            from scipy.spatial import cKDTree

            self._tree = cKDTree(_unit_vectors(self._lat, self._lon))
        chord, idx = self._tree.query(_unit_vectors(np.asarray(lats, dtype=np.float64),
                                                    np.asarray(lons, dtype=np.float64)), k=1)
        return 2 * _EARTH_RADIUS_M * np.arcsin(np.minimum(chord / 2, 1.0)), idx

    # ------------------------------------------------------------- matrices
    def _weights(self):
        """Build (once) the CSR matrix of combined weights ``travel_time * K + length``."""
        if self._csr is None:
            from scipy.sparse import csr_matrix

            n = len(self.node_ids)
            rows, cols, times, lengths = [], [], [], []
            for u, v, d in self.G.edges(data=True):
                if u == v:
                    continue  # a self-loop never shortens a path
                rows.append(self._index[int(u)])
                cols.append(self._index[int(v)])
                times.append(int(d["travel_time"]))
                lengths.append(round(float(d["length"])))
            rows_a = np.array(rows, dtype=np.int64)
            cols_a = np.array(cols, dtype=np.int64)
            times_a = np.array(times, dtype=np.int64)
            lengths_a = np.array(lengths, dtype=np.int64)
            if (times_a < 1).any():
                raise InputError.of("", "road graph has an edge with travel_time < 1 s")
            self._k = int(lengths_a.sum()) + 1
            if int(times_a.sum()) * self._k >= 2**53:
                raise InputError.of("", "road graph too large for exact combined weights")
            combined = times_a * self._k + lengths_a
            # keep the best of parallel edges: csr_matrix would add them up
            order = np.lexsort((combined, cols_a, rows_a))
            rows_a, cols_a, combined = rows_a[order], cols_a[order], combined[order]
            first = np.ones(len(rows_a), dtype=bool)
            first[1:] = (rows_a[1:] != rows_a[:-1]) | (cols_a[1:] != cols_a[:-1])
            self._csr = csr_matrix(
                (combined[first].astype(np.float64), (rows_a[first], cols_a[first])), shape=(n, n)
            )
        return self._csr

    def _weights_reversed(self):
        if self._csr_reversed is None:
            self._csr_reversed = self._weights().T.tocsr()
        return self._csr_reversed

    def _split(self, combined: np.ndarray, ids_from: Sequence[str], ids_to: Sequence[str]):
        if not np.isfinite(combined).all():
            r, c = np.argwhere(~np.isfinite(combined))[0]
            raise InputError.of("", "no road path from point {start!r} to point {end!r}", start=ids_from[r],
                                end=ids_to[c])
        w = combined.astype(np.int64)
        return w // self._k, w % self._k

    def _node_matrix(self, nodes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Compute durations and distances between unique nodes (row = from)."""
        from scipy.sparse.csgraph import dijkstra

        A = self._weights()
        idx = np.array([self._index[n] for n in nodes], dtype=np.int64)
        out = np.empty((len(idx), len(idx)), dtype=np.float64)
        chunk = max(1, int(settings.matrix_chunk_sources))
        for start in range(0, len(idx), chunk):
            sources = idx[start:start + chunk]
            full = dijkstra(A, directed=True, indices=sources)
            out[start:start + chunk] = full[:, idx]
        names = [str(n) for n in nodes]
        return self._split(out, names, names)

    def matrix(self, points: Iterable[Point]) -> Matrix:
        """Return the directed duration and distance matrix between points.

        Points snapped to the same node share figures (0 between them). The
        result is read from / written to the disk cache when one is set.

        Raises
        ------
        InputError
            For an empty list, a bad coordinate or two points with no road path.
        SnapError
            For a point off the road.
        """
        pts = list(points)
        if not pts:
            raise InputError.of("", "no points given: a matrix needs at least one point")
        snapped = self.snap(pts)
        nodes = [s.node for s in snapped]
        unique = list(dict.fromkeys(nodes))
        cached = self._cache_read(unique)
        if cached is None:
            durations_u, distances_u = self._node_matrix(unique)
            self._cache_write(unique, durations_u, distances_u)
        else:
            durations_u, distances_u = cached
        where = {n: i for i, n in enumerate(unique)}
        pos = np.array([where[n] for n in nodes], dtype=np.int64)
        ids = [s.id for s in snapped]
        return Matrix(ids, nodes, durations_u[np.ix_(pos, pos)].astype(np.int64),
                      distances_u[np.ix_(pos, pos)].astype(np.int64))

    def extend(self, matrix: Matrix, point: Point) -> Matrix:
        """Return `matrix` with one more point, computing only its row and column.

        The row is one Dijkstra search from the new point's node; the column is
        one search from it on the reversed graph.
        """
        from scipy.sparse.csgraph import dijkstra

        (snapped,) = self.snap([point])
        self._weights()
        src = self._index[snapped.node]
        targets = np.array([self._index[n] for n in matrix.nodes], dtype=np.int64)
        forward = dijkstra(self._weights(), directed=True, indices=[src])[0, targets]
        backward = dijkstra(self._weights_reversed(), directed=True, indices=[src])[0, targets]
        row_t, row_d = self._split(forward[None, :], [snapped.id], matrix.ids)
        col_t, col_d = self._split(backward[None, :], [snapped.id], matrix.ids)
        n = len(matrix.ids)
        durations = np.zeros((n + 1, n + 1), dtype=np.int64)
        distances = np.zeros((n + 1, n + 1), dtype=np.int64)
        durations[:n, :n] = matrix.durations
        distances[:n, :n] = matrix.distances
        durations[n, :n], distances[n, :n] = row_t[0], row_d[0]
        durations[:n, n], distances[:n, n] = col_t[0], col_d[0]
        return Matrix(list(matrix.ids) + [snapped.id], list(matrix.nodes) + [snapped.node],
                      durations, distances)

    # ---------------------------------------------------------------- cache
    def _cache_path(self, nodes: list[int]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(np.asarray(nodes, dtype=np.int64).tobytes()).hexdigest()[:32]
        return self.cache_dir / f"matrix-{self.fingerprint[:16]}-{key}.npz"

    def _cache_read(self, nodes: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
        path = self._cache_path(nodes)
        if path is None or not path.exists():
            self.cache_stats["misses"] += 1
            return None
        try:
            raw = path.read_bytes()  # np.load on a path leaks the handle when the file is bad
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                stored = data["nodes"]
                durations, distances = data["durations"], data["distances"]
            n = len(nodes)
            if (stored.shape != (n,) or not np.array_equal(stored, np.asarray(nodes, dtype=np.int64))
                    or durations.shape != (n, n) or distances.shape != (n, n)):
                raise ValueError("cache content does not match its key")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("ignoring corrupt matrix cache %s (%s)", path, exc)
            self.cache_stats["corrupt"] += 1
            return None
        self.cache_stats["hits"] += 1
        return durations.astype(np.int64), distances.astype(np.int64)

    def _cache_write(self, nodes: list[int], durations: np.ndarray, distances: np.ndarray) -> None:
        path = self._cache_path(nodes)
        if path is None:
            return
        buf = io.BytesIO()
        np.savez(buf, nodes=np.asarray(nodes, dtype=np.int64), durations=durations, distances=distances)
        write_atomic(path, buf.getvalue())

    # ---------------------------------------------------------------- shapes
    def _edge(self, u: int, v: int) -> dict[str, Any]:
        """Return the data of the best (fastest, then shortest) edge u → v."""
        key = (u, v)
        if key not in self._best_edge:
            self._weights()
            self._best_edge[key] = min(
                self.G[u][v].values(),
                key=lambda d: int(d["travel_time"]) * self._k + round(float(d["length"])),
            )
        return self._best_edge[key]

    def route_geojson(self, points: Iterable[Point]) -> dict[str, Any]:
        """Return a GeoJSON FeatureCollection of the fastest road path between consecutive points.

        Each Feature is a LineString in (lon, lat) order from point i to point
        i+1, with properties ``from``, ``to``, ``duration_s`` and ``distance_m``;
        simplified edges follow their ``geometry``.
        """
        from scipy.sparse.csgraph import dijkstra

        snapped = self.snap(list(points))
        features = []
        for a, b in itertools.pairwise(snapped):
            src, dst = self._index[a.node], self._index[b.node]
            dist, pred = dijkstra(self._weights(), directed=True, indices=[src], return_predecessors=True)
            if not math.isfinite(dist[0, dst]):
                raise InputError.of("", "no road path from point {start!r} to point {end!r}", start=a.id, end=b.id)
            path = [dst]
            while path[-1] != src:
                path.append(int(pred[0, path[-1]]))
            path.reverse()
            coords = [(float(self._lon[src]), float(self._lat[src]))]
            for i, j in itertools.pairwise(path):
                u, v = int(self.node_ids[i]), int(self.node_ids[j])
                geom = self._edge(u, v).get("geometry")
                if geom is not None:
                    coords.extend((float(x), float(y)) for x, y in list(geom.coords)[1:])
                else:
                    coords.append((float(self._lon[j]), float(self._lat[j])))
            if len(coords) == 1:
                coords.append(coords[0])  # a LineString needs two positions
            w = int(dist[0, dst])
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
                "properties": {"from": a.id, "to": b.id, "duration_s": w // self._k,
                               "distance_m": w % self._k},
            })
        return {"type": "FeatureCollection", "features": features}


def _unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Return the points on the unit sphere, one ``(x, y, z)`` row per latitude/longitude in degrees."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _check_point(p: Any) -> tuple[str, float, float]:
    try:
        pid, lat, lon = p
    except (TypeError, ValueError):
        raise InputError.of("", "point {point!r}: expected (id, lat, lon)", point=p) from None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InputError.of("", "point {point!r}: lat/lon must be numbers, got ({lat!r}, {lon!r})", point=pid,
                            lat=lat, lon=lon) from None
    if not (math.isfinite(lat_f) and -90 <= lat_f <= 90):
        raise InputError.of("", "point {point!r}: lat {lat!r} is not between -90 and 90", point=pid, lat=lat)
    if not (math.isfinite(lon_f) and -180 <= lon_f <= 180):
        raise InputError.of("", "point {point!r}: lon {lon!r} is not between -180 and 180", point=pid, lon=lon)
    return str(pid), lat_f, lon_f


#: The instance file with the road network's own settings (``{"snap_limit_m": 300}``).
NETWORK_FILE = "network.json"


def instance_snap_limit_m(instance: str | os.PathLike) -> float | None:
    """Return the snap limit an instance sets in its ``network.json``, or None (the default applies).

    Raises
    ------
    routing.errors.InputError
        Naming the file and the key when the file is unreadable, has an
        unknown key, or the limit is not a positive number of metres.
    """
    path = Path(instance) / NETWORK_FILE
    if not path.exists():
        return None
    data = read_settings_json(path)
    if not isinstance(data, dict):
        raise InputError.of(str(path), 'expected a JSON object such as {{"snap_limit_m": 300}}')
    for key in data:
        if key != "snap_limit_m":
            raise InputError.of(str(path), "unknown key {key!r} (known: snap_limit_m)", key=key)
    value = data.get("snap_limit_m")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError.of(str(path), "snap_limit_m must be a positive number of metres, got {value!r}",
                            value=value)
    return float(value)
