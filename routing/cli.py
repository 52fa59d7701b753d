"""The `odekake graph` commands: build, describe and query the road graph."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import click

from routing.errors import InputError


@click.group()
def graph() -> None:
    """Build and query the instance's road graph."""


@graph.command("build")
@click.option("--osm", "osm_file", type=click.Path(dir_okay=False), default=None,
              help="OSM file: .osm, .osm.bz2, .xml, .osm.pbf, .graphml or .graphml.bz2.")
@click.option("--place", default=None, help="Place name to download with OSMnx (needs a network).")
@click.option("--sample", is_flag=True, help="The embedded fictional district 架空・山里地区.")
@click.pass_context
def build_command(ctx: click.Context, osm_file: str | None, place: str | None, sample: bool) -> None:
    """Build the road graph into the instance folder from one source."""
    from routing.graph import build_graph, download_graph
    from routing.instance import cache_dir
    from routing.sample_district import build_sample_graph
    from routing.speeds import speed_model

    instance: Path = ctx.obj["instance"]
    chosen = [name for name, given in (("--osm", osm_file), ("--place", place), ("--sample", sample)) if given]
    if len(chosen) != 1:
        msg = "give exactly one of --osm FILE, --place NAME or --sample"
        raise InputError(msg)
    if sample:
        info = build_sample_graph(instance)
    elif place:
        G = download_graph(place, cache_dir=cache_dir(instance) / "osmnx", model=speed_model(instance))
        info = build_graph(G, instance)
    else:
        info = build_graph(osm_file, instance)
    click.echo(f"built road graph in {instance / 'graph'}")
    echo_info(info)


def echo_info(info: dict) -> None:
    """Print a graph's info as aligned lines."""
    bbox = info["bbox"]
    source = info.get("source", "")
    if info.get("fictional"):
        source += f"  ({info.get('name', 'sample district')}: fictional data, not a real place)"
    lines = [
        ("nodes", f"{info['nodes']:,}"),
        ("edges", f"{info['edges']:,}"),
        ("area", f"{info['area_km2']:.1f} km² (convex hull)"),
        ("dropped", f"{info['dropped_nodes']:,} road nodes outside the largest strongly connected part"),
        ("bbox", f"lat {bbox['south']:.5f}–{bbox['north']:.5f}, lon {bbox['west']:.5f}–{bbox['east']:.5f}"),
        ("source", source),
        ("fingerprint", info["fingerprint"][:16]),
    ]
    for key, value in lines:
        click.echo(f"{key:<12} {value}")


@graph.command("info")
@click.pass_context
def info_command(ctx: click.Context) -> None:
    """Describe the instance's road graph."""
    from routing.graph import GraphError, read_instance_info
    from routing.instance import graph_dir

    instance: Path = ctx.obj["instance"]
    info = read_instance_info(instance)
    if info is None:
        msg = f"no road graph in {graph_dir(instance)}: run `odekake graph build` first"
        raise GraphError(msg)
    echo_info(info)


def read_points_csv(path: str | Path) -> tuple[list[tuple[str, float, float]], dict[str, int]]:
    """Read points from a CSV file with header ``id,lat,lon``.

    Returns
    -------
    points, rows
        The ``(id, lat, lon)`` tuples and, per id, its line number in the file
        (the header is line 1).

    Raises
    ------
    routing.errors.InputError
        Naming the file and row for a missing file, missing columns, a
        non-numeric or out-of-range coordinate, a duplicate id or no points.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    points: list[tuple[str, float, float]] = []
    rows: dict[str, int] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in ("id", "lat", "lon") if c not in header]
            if missing:
                msg = f"{path}: row 1: header must have columns id,lat,lon (missing: {', '.join(missing)})"
                raise InputError(msg)
            reader.fieldnames = header
            for record in reader:
                row = reader.line_num
                pid = (record.get("id") or "").strip()
                if not pid:
                    msg = f"{path}: row {row}: empty id"
                    raise InputError(msg)
                if pid in rows:
                    msg = f"{path}: row {row}: id {pid!r} already used in row {rows[pid]}"
                    raise InputError(msg)
                coords = []
                for field, low, high in (("lat", -90, 90), ("lon", -180, 180)):
                    text = (record.get(field) or "").strip()
                    try:
                        value = float(text)
                    except ValueError:
                        msg = f"{path}: row {row}: {field} {text!r} is not a number"
                        raise InputError(msg) from None
                    if not (math.isfinite(value) and low <= value <= high):
                        msg = f"{path}: row {row}: {field} {text!r} is not between {low} and {high}"
                        raise InputError(msg)
                    coords.append(value)
                points.append((pid, coords[0], coords[1]))
                rows[pid] = row
    except (UnicodeDecodeError, csv.Error) as exc:
        msg = f"{path}: not a readable UTF-8 CSV file ({exc})"
        raise InputError(msg) from None
    if not points:
        msg = f"{path}: no points (expected rows of id,lat,lon after the header)"
        raise InputError(msg)
    return points, rows


@graph.command("matrix")
@click.argument("points_csv", type=click.Path(dir_okay=False))
@click.pass_context
def matrix_command(ctx: click.Context, points_csv: str) -> None:
    """Print the travel matrix between the points of POINTS_CSV (id,lat,lon) as JSON.

    Durations are seconds and distances metres along the fastest road path;
    row = from, column = to.
    """
    from routing.network import RoadNetwork, SnapError

    points, rows = read_points_csv(points_csv)
    network = RoadNetwork.from_instance(ctx.obj["instance"])
    try:
        matrix = network.matrix(points)
    except SnapError as exc:
        msg = f"{points_csv}: row {rows.get(exc.point_id, '?')}: {exc}"
        raise InputError(msg) from None
    click.echo(json.dumps(matrix.to_json(), separators=(",", ":")))
