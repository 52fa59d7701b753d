"""Tests of routing.addresses: the matching key of Japanese addresses and the OSM address index."""

from __future__ import annotations

import pytest

from routing.addresses import AddressIndex, normalise_address
from routing.errors import InputError
from tests.routing.osmxml import osm_xml


@pytest.mark.parametrize("text", [
    "熊本市中央区水前寺六丁目18番1号",
    "熊本市 中央区 水前寺6-18-1",
    "熊本市中央区水前寺６－１８－１",
    "熊本市中央区水前寺6丁目18-1",
    "熊本市中央区水前寺6ー18ー1",  # long-vowel mark typed for a hyphen
    "熊本市中央区水前寺六丁目十八番地の一",
])
def test_written_forms_of_one_address_share_one_key(text):
    """Kanji numerals, 丁目/番地/番/号/の, full-width digits and hyphen look-alikes all give one key."""
    assert normalise_address(text) == "熊本市中央区水前寺6-18-1"


def test_place_names_with_numerals_and_long_vowels_are_kept():
    """Kanji numerals inside place names (三和町) and long-vowel marks in words (センター) are not numbers."""
    assert normalise_address("いわき市三和町下市萱字センター1番地") == "いわき市三和町下市萱字センター1"


def test_a_short_address_matches_only_at_a_place_name_boundary(tmp_path):
    """'上沢1-2' finds 架空市山里町上沢1-2; '1-2' alone or '沢11-2' against '上沢1-2' find nothing."""
    path = tmp_path / "a.osm"
    path.write_text(osm_xml({1: (37.0, 140.0)}, [], node_tags={
        1: {"addr:city": "架空市", "addr:quarter": "山里町上沢", "addr:block_number": "1",
            "addr:housenumber": "2"}}), encoding="utf-8")
    index = AddressIndex(path)
    assert index.find("山里町上沢一番二号").osm == "node/1"
    assert index.find("1-2") is None
    assert index.find("上沢11-2") is None


def test_an_unreadable_address_file_is_one_clear_error(tmp_path):
    """A missing file or one that is not OSM names the file."""
    with pytest.raises(InputError, match="no such address file"):
        AddressIndex(tmp_path / "none.osm").find("架空市1")
    bad = tmp_path / "bad.osm"
    bad.write_text("not xml at all", encoding="utf-8")
    with pytest.raises(InputError, match="bad.osm: not a readable OSM file"):
        AddressIndex(bad).find("架空市1")


def test_off_road_lists_every_far_point(sample_network):
    """RoadNetwork.off_road returns all points beyond the snap limit (snap stops at the first)."""
    points = [("near", 37.14450, 140.60700), ("sea1", 37.1, 141.5), ("sea2", 32.754, 130.544)]
    far = sample_network.off_road(points)
    assert sorted(far) == ["sea1", "sea2"]
    assert all(d > sample_network.snap_limit_m for d in far.values())
