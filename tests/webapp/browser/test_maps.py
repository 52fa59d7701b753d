"""The Leaflet maps as staff open them: the site map of master data and a shift's route map (marker ``browser``)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

#: The size of the map's panes and the road paths drawn in its overlay pane (without any resize).
_DRAWN = """(sel) => { const box = document.querySelector(sel); const svg = box.querySelector('.leaflet-overlay-pane svg');
  const paths = [...box.querySelectorAll('.leaflet-overlay-pane path')].filter(p => (p.getAttribute('d') || '').length > 20);
  const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const drawn = paths.filter(p => { const b = p.getBoundingClientRect(); return b.width > 0 || b.height > 0; });
  return {box: [box.clientWidth, box.clientHeight], svg: [Math.round(r.width), Math.round(r.height)],
          paths: paths.length, drawn: drawn.length}; }"""


def test_the_site_map_draws_its_roads_when_it_opens(page_as, shot):
    """拠点 → 新規: the map beside the form shows the district's roads at once, not a grey box until resized."""
    page = page_as("admin")
    page.goto("/masters/sites/new")
    page.locator("#site-map .leaflet-overlay-pane path").nth(10).wait_for(state="attached")  # the roads came
    drawn = page.evaluate(_DRAWN, "#site-map")
    assert min(drawn["box"]) > 200 and min(drawn["svg"]) > 200, drawn
    assert drawn["drawn"] == drawn["paths"] > 10, drawn
    box = page.locator("#site-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#lat") and page.input_value("#lon")
    shot(page, "site-map")


def test_route_map_markers_carry_the_list_numbers_without_gaps(page_as, shot):
    """Each stop's marker shows its number; the list under the map numbers the same stops 1..n with no gap."""
    page = page_as("dispatcher")
    with page.expect_navigation():
        page.click("table.board a:has-text('地図') >> nth=0")
    page.wait_for_selector("#map-stops li")
    items = page.locator("#map-stops li").all_inner_texts()
    listed = [int(m.group(1)) for m in (re.match(r"(\d+)\. ", t) for t in items) if m]
    assert listed == list(range(1, len(listed) + 1)) and len(listed) > 5, items
    markers = page.locator("#map .leaflet-marker-pane .map-num").all_inner_texts()
    assert sorted(int(n) for n in markers) == listed
    text_only = page.evaluate("() => [...document.querySelectorAll('#map .map-num')].every(e => !e.children.length)")
    assert text_only  # each number is a text node, never HTML made from the data
    shot(page, "route-map-numbers")
