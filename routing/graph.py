"""Load, build and describe the drivable road graph.

The graph is an OSMnx-style ``networkx.MultiDiGraph`` (node attributes ``x`` =
lon, ``y`` = lat; edge attributes ``length`` in metres and ``travel_time`` in
integer seconds, at least 1). Speeds are set per raw OSM segment *before*
simplification and summed while merging, so a merged edge is not given one
road class's speed for its whole length.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import logging
import math
import os
import pickle
import shutil
import socket
import tempfile
import xml.sax
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from routing import settings
from routing.errors import InputError, OfflineError
from routing.files import write_atomic
from routing.instance import graph_dir
from routing.speeds import (
    SpeedModel,
    apply_speed_model,
    default_speed_model,
    speed_model,
)

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.graphml"
INFO_FILE = "info.json"
#: The GraphML as loaded, pickled, so that loading an instance's graph needs no OSMnx.
CACHE_FILE = "graph.pickle"
#: Bumped when what `load_instance_graph` makes of the GraphML changes, so older caches are not used.
CACHE_FORMAT = 1
#: Bumped when the way a graph is built changes, so old builds count as stale.
BUILD_VERSION = 2

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".xml.bz2", ".osm.xml", ".osm.xml.bz2")
_GRAPHML_SUFFIXES = (".graphml", ".graphml.bz2")
_PBF_SUFFIXES = (".osm.pbf", ".pbf")


class GraphError(InputError):
    """A road-graph source cannot be used (missing, corrupt or without roads)."""


# --------------------------------------------------------------------- speeds
def _is_drivable(data: dict[str, Any], speeds_kmh: dict[str, float]) -> bool:
    highway = data.get("highway")
    classes = highway if isinstance(highway, list) else [highway]
    drivable = settings.drivable_highways | set(speeds_kmh)
    if not any(h in drivable for h in classes):
        return False
    access = data.get("access")
    accesses = [a for a in (access if isinstance(access, list) else [access]) if a is not None]
    return not (accesses and all(a in settings.undrivable_access for a in accesses))


# --------------------------------------------------------------------- loading
def _suffix_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_PBF_SUFFIXES):
        return "pbf"
    if name.endswith(_GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(_OSM_SUFFIXES):
        return "osm"
    msg = (
        f"{path}: unknown road-graph format; use .osm, .osm.bz2, .xml, .osm.pbf, "
        ".graphml or .graphml.bz2"
    )
    raise GraphError(msg)


def load_graph(source: str | os.PathLike, *, model: SpeedModel | None = None,
               speeds_kmh: dict[str, float] | None = None) -> nx.MultiDiGraph:
    """Load a drivable road graph with integer travel times from a file.

    Parameters
    ----------
    source
        An OSM XML file (``.osm``, ``.xml``, optionally ``.bz2``), an OSM PBF
        file (``.osm.pbf``, converted with ``osmium``) or an OSMnx GraphML file
        (``.graphml``, optionally ``.bz2``).
    model
        The travel-time model; default `routing.speeds.default_speed_model`.
    speeds_kmh
        Class speeds replacing those of the model (a shortcut for tests and scripts).

    Returns
    -------
    networkx.MultiDiGraph
        The largest strongly connected part of the drivable roads, simplified.
        ``G.graph["dropped_nodes"]`` counts the road nodes left out because
        they were not in that part; ``G.graph["source"]`` names the file.

    Raises
    ------
    GraphError
        If the file is missing, unreadable, corrupt or has no drivable roads.
    """
    path = Path(source)
    if not path.is_file():
        msg = f"{path}: no such file"
        raise GraphError(msg)
    model = _model(model, speeds_kmh)
    kind = _suffix_kind(path)
    if kind == "graphml":
        G = _read_graphml(path)
        G = _prepare(G, model, path, simplified=True)
    elif kind == "pbf":
        with tempfile.TemporaryDirectory(prefix="odekake-pbf-") as tmp:
            xml_path = Path(tmp) / "converted.osm"
            _pbf_to_xml(path, xml_path)
            G = _prepare(_read_osm_xml(xml_path, shown_as=path), model, path, simplified=False)
    else:
        G = _prepare(_read_osm_xml(path, shown_as=path), model, path, simplified=False)
    G.graph["source"] = str(path)
    return G


def _model(model: SpeedModel | None, speeds_kmh: dict[str, float] | None) -> SpeedModel:
    model = model or default_speed_model()
    if speeds_kmh is not None:
        model = replace(model, highway_kmh={k: float(v) for k, v in speeds_kmh.items()})
    return model


#: Node tags kept from OSM besides OSMnx's defaults (signalled pedestrian crossings).
_EXTRA_NODE_TAGS = ("crossing",)


def _read_osm_xml(path: Path, *, shown_as: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    node_tags = list(ox.settings.useful_tags_node)
    ox.settings.useful_tags_node = node_tags + [t for t in _EXTRA_NODE_TAGS if t not in node_tags]
    try:
        return ox.graph_from_xml(path, simplify=False, retain_all=True)
    except (OSError, EOFError, ValueError, KeyError, xml.sax.SAXException, ParseError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"{shown_as}: not a readable OSM XML file ({reason})"
        raise GraphError(msg) from None
    except Exception as exc:  # osmnx raises its own errors for empty files
        if type(exc).__name__ in {"InsufficientResponseError", "EmptyOverpassResponse"}:
            msg = f"{shown_as}: no drivable roads in this OSM file"
            raise GraphError(msg) from None
        raise
    finally:
        ox.settings.useful_tags_node = node_tags


def _pbf_to_xml(pbf: Path, xml_path: Path) -> None:
    import osmium

    try:
        with osmium.SimpleWriter(str(xml_path)) as writer:
            for obj in osmium.FileProcessor(str(pbf)):
                writer.add(obj)
    except RuntimeError as exc:
        msg = f"{pbf}: not a readable OSM PBF file ({exc})"
        raise GraphError(msg) from None


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    try:
        if path.name.lower().endswith(".bz2"):
            with bz2.open(path, "rt", encoding="utf-8") as fh:
                text = fh.read()
            return ox.load_graphml(graphml_str=text)
        return ox.load_graphml(path)
    except (OSError, EOFError, ValueError, KeyError, ParseError, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"{path}: not a readable GraphML road graph ({reason})"
        raise GraphError(msg) from None


def _prepare(G: nx.MultiDiGraph, model: SpeedModel, path: Path | str, *, simplified: bool) -> nx.MultiDiGraph:
    """Keep drivable edges, set travel times, prune to the largest SCC, simplify."""
    import osmnx as ox

    G = G.copy()
    G.remove_edges_from(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not _is_drivable(d, model.highway_kmh)]
    )
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        msg = f"{path}: no drivable roads in this file"
        raise GraphError(msg)
    apply_speed_model(G, model)
    road_nodes = G.number_of_nodes()
    largest = max(nx.strongly_connected_components(G), key=len)
    G = G.subgraph(largest).copy()
    dropped = road_nodes - G.number_of_nodes()
    if not simplified:
        keep = _mark_kept_nodes(G, settings.keep_node_spacing_m)
        G = ox.simplify_graph(G, node_attrs_include=keep,
                              edge_attr_aggs={"length": sum, "travel_time": sum})
        for _, d in G.nodes(data=True):
            d.pop(_KEEP, None)
    if G.number_of_edges() == 0:
        msg = f"{path}: no drivable roads in this file (no two roads connect in both directions)"
        raise GraphError(msg)
    for _, _, d in G.edges(data=True):
        d["travel_time"] = max(1, round(d["travel_time"]))
    G.graph["dropped_nodes"] = dropped
    return G


_KEEP = "odekake_keep"


def _mark_kept_nodes(G: nx.MultiDiGraph, spacing_m: float | None) -> list[str] | None:
    """Mark the lowest-id node of every ``spacing_m`` grid cell to survive simplification."""
    if not spacing_m or G.number_of_nodes() == 0:
        return None
    lat0 = math.radians(sum(float(d["y"]) for _, d in G.nodes(data=True)) / G.number_of_nodes())
    m_per_deg = 6_371_009.0 * math.pi / 180
    seen: set[tuple[int, int]] = set()
    for n in sorted(G.nodes):
        d = G.nodes[n]
        cell = (math.floor(float(d["y"]) * m_per_deg / spacing_m),
                math.floor(float(d["x"]) * m_per_deg * math.cos(lat0) / spacing_m))
        if cell not in seen:
            seen.add(cell)
            d[_KEEP] = True
    return [_KEEP]


# ---------------------------------------------------------------- online graph
def download_graph(name_or_polygon: Any, *, cache_dir: str | os.PathLike, model: SpeedModel | None = None,
                   speeds_kmh: dict[str, float] | None = None) -> nx.MultiDiGraph:
    """Download the drive network of a place or polygon with OSMnx (needs a network).

    The offline-safety settings (`routing.settings.requests_timeout`,
    ``overpass_rate_limit``, ``doh_url_template``) are applied first, so without
    a network this fails within seconds and contacts only the configured
    Nominatim and Overpass servers. Downloads are cached in `cache_dir`.

    Parameters
    ----------
    name_or_polygon
        A place name for Nominatim (``"Iwaki, Fukushima, Japan"``) or a shapely
        polygon in lon/lat.
    cache_dir
        Folder for OSMnx's HTTP cache.
    model, speeds_kmh
        As for `load_graph`.

    Raises
    ------
    OfflineError
        If a server cannot be reached.
    GraphError
        If the place is unknown or has no drivable roads.
    """
    import osmnx as ox
    import requests

    settings.apply_osmnx_settings()
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(Path(cache_dir))
    label = name_or_polygon if isinstance(name_or_polygon, str) else "polygon"
    original_getaddrinfo = socket.getaddrinfo  # OSMnx rebinds it process-wide
    try:
        if isinstance(name_or_polygon, str):
            G = ox.graph_from_place(name_or_polygon, network_type="drive", simplify=False, retain_all=True)
        else:
            G = ox.graph_from_polygon(name_or_polygon, network_type="drive", simplify=False, retain_all=True)
    except (requests.exceptions.RequestException, ConnectionError, socket.gaierror, TimeoutError) as exc:
        msg = f"cannot download {label!r}: no network ({type(exc).__name__}: {exc})"
        raise OfflineError(msg) from None
    except (ox._errors.InsufficientResponseError, TypeError, ValueError) as exc:
        msg = f"cannot build a road graph for {label!r}: {exc}"
        raise GraphError(msg) from None
    finally:
        socket.getaddrinfo = original_getaddrinfo
    G = _prepare(G, _model(model, speeds_kmh), f"place {label!r}", simplified=False)
    G.graph["source"] = f"OSM place {label}"
    return G


# ----------------------------------------------------------------- description
def graph_fingerprint(G: nx.MultiDiGraph) -> str:
    """Return a hash of node ids and edge travel times and lengths (a cache key)."""
    h = hashlib.sha256()
    for n in sorted(G.nodes):
        h.update(f"n{n};".encode())
    for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        h.update(f"e{u},{v},{k},{int(d['travel_time'])},{round(float(d['length']), 1)};".encode())
    return h.hexdigest()


def graph_info(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Describe a road graph: size, area, dropped nodes, bounding box, source, fingerprint.

    The area is that of the convex hull of the nodes, in km² on a local
    equirectangular projection (good to a fraction of a percent at district scale).
    """
    lats = [float(d["y"]) for _, d in G.nodes(data=True)]
    lons = [float(d["x"]) for _, d in G.nodes(data=True)]
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "area_km2": round(_hull_area_km2(lats, lons), 2),
        "dropped_nodes": int(G.graph.get("dropped_nodes", 0)),
        "bbox": {"south": min(lats), "west": min(lons), "north": max(lats), "east": max(lons)},
        "source": str(G.graph.get("source", "")),
        "fingerprint": graph_fingerprint(G),
        "edge_length_km": round(sum(float(d["length"]) for _, _, d in G.edges(data=True)) / 1000, 1),
    }


def _hull_area_km2(lats: list[float], lons: list[float]) -> float:
    from scipy.spatial import ConvexHull, QhullError

    lat0 = math.radians(sum(lats) / len(lats))
    km_per_deg = 6371.009 * math.pi / 180
    pts = [(lon * km_per_deg * math.cos(lat0), lat * km_per_deg) for lat, lon in zip(lats, lons)]
    if len(set(pts)) < 3:
        return 0.0
    try:
        return float(ConvexHull(pts).volume)  # in 2-D, "volume" is the area
    except QhullError:  # all points on one line
        return 0.0


# ---------------------------------------------------------- instance storage
def build_graph(source: str | os.PathLike | nx.MultiDiGraph, instance_dir: str | os.PathLike,
                *, extra_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build a road graph and save it into the instance's graph folder, atomically.

    Parameters
    ----------
    source
        A file accepted by `load_graph`, or an already built graph.
    instance_dir
        The instance folder; the graph goes to ``graph_dir(instance)`` as
        ``graph.graphml`` and ``info.json``, with ``graph.pickle``, the cache
        `load_instance_graph` reads instead of the GraphML. A file source is timed with the
        instance's model (`routing.speeds.speed_model`: settings and
        ``<instance>/speeds.json``); a graph is stored as given.
    extra_info
        More keys to store in ``info.json`` (e.g. ``{"fictional": True}``).

    Returns
    -------
    dict
        The graph info (see `graph_info`) plus ``source_sha256`` for file sources.
    """
    import osmnx as ox

    instance = Path(instance_dir)
    model = speed_model(instance)
    if isinstance(source, nx.MultiDiGraph):
        G = source
        info = graph_info(G)
    else:
        G = load_graph(source, model=model)
        info = graph_info(G)
        info["source_sha256"] = file_sha256(source)
    info["build_version"] = BUILD_VERSION
    info["speeds_kmh"] = dict(model.highway_kmh)
    info["speed_model"] = model.knobs()
    info.update(extra_info or {})
    target = graph_dir(instance)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".graph-tmp-", dir=target.parent))
    try:
        ox.save_graphml(G, tmp / GRAPH_FILE)
        sha = file_sha256(tmp / GRAPH_FILE)
        _write_graph_cache(tmp / CACHE_FILE, _read_instance_graphml(tmp / GRAPH_FILE), sha,
                           like=tmp / GRAPH_FILE)
        (tmp / INFO_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        old = None
        if target.exists():
            old = target.parent / f".graph-old-{os.getpid()}"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built road graph %s: %d nodes, %d edges", target, info["nodes"], info["edges"])
    return info


def file_sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_instance_info(instance: str | os.PathLike) -> dict[str, Any] | None:
    """Return the stored ``info.json`` of an instance's graph, or None when not built."""
    path = graph_dir(Path(instance)) / INFO_FILE
    if not path.exists() or not (path.parent / GRAPH_FILE).exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_instance_graph(instance: str | os.PathLike) -> nx.MultiDiGraph:
    """Load the road graph built into an instance folder.

    The graph is read from ``graph.pickle`` when that cache was made from the
    ``graph.graphml`` beside it (same SHA-256, same cache format, OSMnx and
    networkx versions), without importing OSMnx; otherwise from the GraphML
    with OSMnx, and the cache is (re)written. Either way the graph is the one
    ``ox.load_graphml`` gives, node, edge and graph attributes and their types
    alike, with ``dropped_nodes``, ``source`` and ``fingerprint`` from ``info.json``.

    Raises
    ------
    GraphError
        If no graph was built there (``odekake graph build`` not run) or it is unreadable.
    """
    folder = graph_dir(Path(instance))
    info = read_instance_info(instance)
    if info is None:
        msg = f"no road graph in {folder}: run `odekake graph build` first"
        raise GraphError(msg)
    graphml = folder / GRAPH_FILE
    try:
        sha = file_sha256(graphml)
    except OSError as exc:
        msg = f"{graphml}: unreadable road graph ({exc}); run `odekake graph build` again"
        raise GraphError(msg) from None
    G = _read_graph_cache(folder / CACHE_FILE, sha)
    if G is None:
        G = _read_instance_graphml(graphml)
        try:
            unchanged = file_sha256(graphml) == sha
        except OSError:
            unchanged = False
        if unchanged:  # not rebuilt while it was being read
            _write_graph_cache(folder / CACHE_FILE, G, sha, like=graphml)
    G.graph["dropped_nodes"] = int(info.get("dropped_nodes", 0))
    G.graph["source"] = info.get("source", "")
    G.graph["fingerprint"] = info.get("fingerprint", "")
    return G


def _read_instance_graphml(path: Path) -> nx.MultiDiGraph:
    """Load an instance's stored GraphML with OSMnx (integer travel times)."""
    import osmnx as ox

    try:
        return ox.load_graphml(path, edge_dtypes={"travel_time": _int_from_text})
    except (OSError, ValueError, KeyError, ParseError) as exc:
        msg = f"{path}: unreadable road graph ({exc}); run `odekake graph build` again"
        raise GraphError(msg) from None


def _cache_header(graphml_sha256: str) -> dict[str, Any]:
    """What a graph cache must record to stand for the GraphML with this hash."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        osmnx_version = version("osmnx")
    except PackageNotFoundError:
        osmnx_version = ""
    return {"format": CACHE_FORMAT, "graphml_sha256": graphml_sha256,
            "osmnx": osmnx_version, "networkx": nx.__version__}


#: The only globals a graph cache may name: networkx's graph classes, shapely's
#: geometry reader and the few builtins `ast.literal_eval` can give beyond plain types.
_CACHE_BUILTINS = frozenset({"complex", "set", "frozenset", "Ellipsis"})


class _GraphUnpickler(pickle.Unpickler):
    """An unpickler that refuses everything a road graph cache never holds."""

    def find_class(self, module: str, name: str) -> Any:
        if (module.startswith("networkx.classes.") or (module, name) == ("shapely.io", "from_wkb")
                or (module == "builtins" and name in _CACHE_BUILTINS)):
            return super().find_class(module, name)
        msg = f"{module}.{name} is not part of a road graph"
        raise pickle.UnpicklingError(msg)


def _read_graph_cache(path: Path, graphml_sha256: str) -> nx.MultiDiGraph | None:
    """Return the cached graph if `path` holds one made from this GraphML, else None (logged)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        log.debug("%s: no graph cache; loading the GraphML", path)
        return None
    except OSError as exc:
        log.info("%s: graph cache unreadable (%s); loading the GraphML", path, exc)
        return None
    with fh:
        try:
            # Two pickles, each with its own unpickler (a memo must not run on into
            # the next): the small header first, so a stale cache costs no graph load.
            header = _GraphUnpickler(fh).load()
            if header != _cache_header(graphml_sha256):
                log.info("%s: graph cache stale (made from another GraphML or by other versions); "
                         "loading the GraphML", path)
                return None
            G = _GraphUnpickler(fh).load()
        except Exception as exc:  # noqa: BLE001 - any damage means: use the GraphML
            log.info("%s: graph cache damaged (%s: %s); loading the GraphML", path, type(exc).__name__, exc)
            return None
    if type(G) is not nx.MultiDiGraph:
        log.info("%s: graph cache damaged (holds a %s); loading the GraphML", path, type(G).__name__)
        return None
    return G


def _write_graph_cache(path: Path, G: nx.MultiDiGraph, graphml_sha256: str, *, like: Path) -> None:
    """Write the cache of a GraphML loaded as `G`, as readable as the GraphML `like`.

    Failing (a read-only folder, an attribute that cannot be pickled or read
    back) only costs the next load its speed: it is logged, never raised.
    """
    try:
        data = (pickle.dumps(_cache_header(graphml_sha256), protocol=pickle.HIGHEST_PROTOCOL)
                + pickle.dumps(G, protocol=pickle.HIGHEST_PROTOCOL))
        check = io.BytesIO(data)  # what cannot be read back is not written
        _GraphUnpickler(check).load()
        _GraphUnpickler(check).load()
        write_atomic(path, data, mode=like.stat().st_mode & 0o777)
    except Exception as exc:  # noqa: BLE001 - the cache is optional
        log.debug("%s: graph cache not written (%s: %s)", path, type(exc).__name__, exc)
        return
    log.debug("%s: graph cache written", path)


def _int_from_text(text: str) -> int:
    return int(float(text))
