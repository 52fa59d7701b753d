"""Tests of `odekake graph ...` through click's CliRunner."""

from __future__ import annotations

import bz2
import json
import re

import pytest
from click.testing import CliRunner

from tests.routing.osmxml import line_network, osm_xml, write
from webapp.cli import cli


def run(instance, *args):
    """Invoke the odekake command on an instance folder."""
    return CliRunner().invoke(cli, ["--instance", str(instance), *args])


def test_info_of_sample(sample_instance):
    """`graph info` prints size, area, dropped nodes and says the sample is fictional."""
    result = run(sample_instance, "graph", "info")
    assert result.exit_code == 0, result.output
    assert "nodes" in result.output and "km²" in result.output
    assert "fictional" in result.output and "dropped      0" in result.output


def test_build_sample_uses_the_shared_builder(sample_instance, tmp_path, monkeypatch):
    """`graph build --sample` builds through `routing.sample_district.build_sample_graph` and prints its info."""
    import routing.sample_district

    info = json.loads((sample_instance / "graph" / "info.json").read_text(encoding="utf-8"))
    calls = []
    monkeypatch.setattr(routing.sample_district, "build_sample_graph", lambda instance: calls.append(instance) or info)
    result = run(tmp_path / "inst", "graph", "build", "--sample")
    assert result.exit_code == 0, result.output
    assert calls == [tmp_path / "inst"]
    assert "fictional data, not a real place" in result.output


def test_matrix_command(sample_instance, sample_graph, tmp_path):
    """`graph matrix` prints ids, durations and distances as JSON, row = from."""
    nodes = sorted(sample_graph.nodes)[:3]
    csv_path = tmp_path / "pts.csv"
    rows = ["id,lat,lon"] + [f"n{i},{sample_graph.nodes[n]['y']},{sample_graph.nodes[n]['x']}"
                             for i, n in enumerate(nodes)]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(sample_instance, "graph", "matrix", str(csv_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ids"] == ["n0", "n1", "n2"]
    assert len(data["durations"]) == 3 and all(len(r) == 3 for r in data["distances"])
    assert [data["durations"][i][i] for i in range(3)] == [0, 0, 0]


def test_build_osm_file(tmp_path):
    """`graph build --osm` on a tiny file reports 3 nodes and 1 dropped node."""
    src = write(tmp_path / "line.osm.bz2", line_network())
    result = run(tmp_path / "inst", "graph", "build", "--osm", str(src))
    assert result.exit_code == 0, result.output
    assert "nodes        3" in result.output and "dropped      1" in result.output


@pytest.mark.parametrize(("kind", "pattern"), [
    ("missing", r"^error: .*missing\.osm: no such file$"),
    ("truncated", r"^error: .*cut\.osm\.bz2: not a readable OSM XML file"),
    ("not-xml", r"^error: .*junk\.osm: not a readable OSM XML file"),
    ("no-roads", r"^error: .*paths\.osm: no drivable roads"),
])
def test_build_bad_files(tmp_path, kind, pattern):
    """Bad OSM files give one `error:` line naming the file, exit 2, and no graph written."""
    name = {"missing": "missing.osm", "truncated": "cut.osm.bz2", "not-xml": "junk.osm",
            "no-roads": "paths.osm"}[kind]
    path = tmp_path / name
    if kind == "truncated":
        path.write_bytes(bz2.compress(line_network().encode())[:200])
    elif kind == "not-xml":
        path.write_text("name,lat,lon\n", encoding="utf-8")
    elif kind == "no-roads":
        path.write_text(osm_xml({1: (37.0, 140.0), 2: (37.001, 140.0)}, [([1, 2], {"highway": "path"})]),
                        encoding="utf-8")
    instance = tmp_path / "inst"
    result = run(instance, "graph", "build", "--osm", str(path))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.strip().startswith("error: ")

    assert re.search(pattern, result.output.strip()), result.output
    assert "Traceback" not in result.output
    assert not (instance / "graph").exists()


def test_failed_build_keeps_previous_graph(tmp_path):
    """A failed rebuild leaves the graph built before untouched."""
    instance = tmp_path / "inst"
    assert run(instance, "graph", "build", "--osm", str(write(tmp_path / "a.osm", line_network()))).exit_code == 0
    before = (instance / "graph" / "info.json").read_text(encoding="utf-8")
    (tmp_path / "junk.osm").write_text("junk", encoding="utf-8")
    assert run(instance, "graph", "build", "--osm", str(tmp_path / "junk.osm")).exit_code == 2
    assert (instance / "graph" / "info.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in instance.iterdir()) == ["graph"]


def test_build_needs_exactly_one_source(tmp_path):
    """`graph build` with no source, or two, is a usage error with exit 2."""
    for args in ([], ["--sample", "--place", "Somewhere"]):
        result = run(tmp_path, "graph", "build", *args)
        assert result.exit_code == 2
        assert "give exactly one of --osm FILE, --place NAME or --sample" in result.output


def test_info_without_graph(tmp_path):
    """`graph info` on an empty instance says to run `odekake graph build`."""
    result = run(tmp_path, "graph", "info")
    assert result.exit_code == 2
    assert "run `odekake graph build` first" in result.output


@pytest.mark.parametrize(("content", "pattern"), [
    (None, r"pts\.csv: no such file"),
    ("id,lat\na,37.1\n", r"pts\.csv: row 1: header must have columns id,lat,lon \(missing: lon\)"),
    ("id,lat,lon\na,37.1,140.7\nb,north,140.7\n", r"pts\.csv: row 3: lat 'north' is not a number"),
    ("id,lat,lon\n", r"pts\.csv: no points"),
    ("id,lat,lon\na,37.10,140.70\nsea,36.50,141.50\n",
     r"pts\.csv: row 3: point 'sea' \(36\.500000, 141\.500000\) is \d+ m from the nearest road"),
    ("id,lat,lon\na,37.1,140.7\na,37.1,140.7\n", r"pts\.csv: row 3: id 'a' already used in row 2"),
])
def test_matrix_bad_csv(sample_instance, tmp_path, content, pattern):
    """Bad point files give one `error: <file>: row N: ...` line and exit 2."""
    path = tmp_path / "pts.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run(sample_instance, "graph", "matrix", str(path))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")

    assert re.search(pattern, lines[0]), lines[0]


def test_matrix_without_graph(tmp_path):
    """`graph matrix` on an instance without a graph points to `graph build`."""
    path = tmp_path / "pts.csv"
    path.write_text("id,lat,lon\na,37.1,140.7\n", encoding="utf-8")
    result = run(tmp_path / "empty", "graph", "matrix", str(path))
    assert result.exit_code == 2 and "run `odekake graph build` first" in result.output


def test_build_place_offline(tmp_path, offline):
    """`graph build --place` without a network prints one error line and exits 3 (offline)."""
    result = run(tmp_path / "inst", "graph", "build", "--place", "Kawamae, Iwaki")
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot download 'Kawamae, Iwaki': no network")
    assert not (tmp_path / "inst" / "graph").exists()
