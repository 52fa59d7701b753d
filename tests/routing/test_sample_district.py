"""Tests of the fictional sample district and of routing.pois."""

from __future__ import annotations

import bz2
import math
import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pytest

from routing.errors import InputError
from routing.pois import KINDS, read_pois
from routing.sample_district import DEFAULT_PATH, DISTRICT_NAME, generate, main


@pytest.fixture(scope="module")
def sample_xml():
    """The committed sample district, decompressed."""
    return bz2.decompress(DEFAULT_PATH.read_bytes()).decode("utf-8")


def test_generator_reproduces_committed_file(sample_xml):
    """Regenerating the district gives the committed XML byte for byte."""
    assert generate() == sample_xml


def test_generator_cli_writes_file(tmp_path, sample_xml):
    """`python -m routing.sample_district -o PATH` writes the same district (plain .osm)."""
    assert main(["-o", str(tmp_path / "d.osm")]) == 0
    assert (tmp_path / "d.osm").read_text(encoding="utf-8") == sample_xml


def test_sample_is_marked_fictional(sample_xml):
    """The root generator and a <note> say the data is invented."""
    root = ET.fromstring(sample_xml)
    assert "fictional" in root.get("generator")
    assert DISTRICT_NAME in root.find("note").text


def test_sample_network_contents(sample_xml):
    """Valley road with ref, national road, narrow roads, bridges, one-ways, a few thousand nodes."""
    root = ET.fromstring(sample_xml)
    ways = [{t.get("k"): t.get("v") for t in w.iter("tag")} for w in root.iter("way")]
    highways = Counter(w.get("highway") for w in ways)
    for cls in ("secondary", "primary", "unclassified", "residential", "track"):
        assert highways[cls] > 0, cls
    assert all(w.get("ref") for w in ways if w.get("highway") in ("secondary", "primary"))
    assert sum(1 for w in ways if w.get("bridge") == "yes" and w.get("layer") == "1") >= 4
    assert sum(1 for w in ways if w.get("oneway") == "yes") >= 4
    assert any(w.get("maxspeed") for w in ways)
    assert 2000 <= len(root.findall("node")) <= 10000
    assert len(DEFAULT_PATH.read_bytes()) < 1_000_000


def test_sample_pois():
    """Every POI kind is present; one branch office; several halls; Japanese hamlet names."""
    pois = read_pois(DEFAULT_PATH)
    kinds = Counter(p.kind for p in pois)
    assert set(kinds) == set(KINDS)
    assert kinds["townhall"] == 1 and kinds["community_centre"] >= 5 and kinds["convenience"] >= 3
    hamlets = [p for p in pois if p.tags.get("place") == "hamlet"]
    assert len(hamlets) >= 15
    assert all(p.name and all(ord(c) > 0x3000 for c in p.name) for p in hamlets)
    assert all(37.0 < p.lat < 37.25 and 140.5 < p.lon < 140.9 for p in pois)


def test_residents_near_hamlets_snap(sample_network):
    """Points 300 m from each hamlet in 8 directions snap within the 500 m limit."""
    hamlets = [p for p in read_pois(DEFAULT_PATH) if p.kind == "hamlet"]
    points = []
    for p in hamlets:
        for k in range(8):
            a = k * math.pi / 4  # 300 m = 0.002698° of latitude
            dlat = 0.002698 * math.cos(a)
            dlon = 0.002698 * math.sin(a) / math.cos(math.radians(p.lat))
            points.append((f"{p.osm_id}-{k}", p.lat + dlat, p.lon + dlon))
    snapped = sample_network.snap(points)
    assert max(s.offset_m for s in snapped) <= 500


def test_sample_graph_strongly_connected(sample_graph):
    """The built sample graph is one strongly connected part and dropped nothing."""
    assert nx.is_strongly_connected(sample_graph)
    assert sample_graph.graph["dropped_nodes"] == 0
    assert sample_graph.number_of_nodes() > 300


def test_read_pois_plain_and_filtered(tmp_path):
    """read_pois reads plain XML too and keeps only the asked kinds."""
    plain = tmp_path / "d.osm"
    plain.write_bytes(bz2.decompress(DEFAULT_PATH.read_bytes()))
    depots = read_pois(plain, kinds=("townhall",))
    assert [p.name for p in depots] == ["架空市役所 山里支所"]


@pytest.mark.parametrize(("content", "pattern"), [
    (None, r"no such file"), (b"<osm><node id='1'", r"not a readable OSM XML file"),
])
def test_read_pois_bad_files(tmp_path, content, pattern):
    """A missing or broken OSM file is an InputError naming it."""
    path = tmp_path / "pois.osm"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        read_pois(path)
