"""The dispatcher's screens in the browser: the week board and a shift's route map, drawn with nothing from another host."""

from __future__ import annotations

import pytest

from tests.webapp.conftest import WEEK

pytestmark = pytest.mark.browser


def test_week_board_shows_every_service_day_and_what_is_not_planned(page_as, shot):
    """The board has a column per service day, stops with their kind word, and the not-planned list with reasons."""
    page = page_as("dispatcher")
    assert page.url.endswith(f"/dispatch/weeks/{WEEK}")
    days = page.locator("table.board thead th").all_inner_texts()[1:]
    assert len(days) >= 5 and days[0].startswith("11月30日(月)")
    assert page.locator("table.board ol.stops li").count() > 20
    for badge in page.locator("table.board .badge").all_inner_texts()[:20]:
        assert badge.strip()  # a colour always comes with a word
    assert "公開済み" in page.inner_text(".plan-version")
    assert page.locator("section.unassigned h2").inner_text().startswith("未割当")
    shot(page, "week-board", docs=True)
    shot(page, "week-board-full", full_page=True)


def test_route_map_draws_roads_route_and_stops_offline(page_as, shot):
    """From the board's first 地図 link: Leaflet draws the graph's roads, the route and a marker per stop, no tiles."""
    page = page_as("dispatcher")
    with page.expect_navigation():
        page.click("table.board a:has-text('地図') >> nth=0")
    assert "/map/" in page.url
    page.wait_for_selector("#map-stops li")
    stops = page.locator("#map-stops li").count()
    paths = page.locator("#map .leaflet-overlay-pane path")
    roads_and_route = page.evaluate(
        "() => [...document.querySelectorAll('#map .leaflet-overlay-pane path')]"
        ".filter(p => p.getAttribute('d') && p.getAttribute('d').length > 20 && !p.classList.contains('leaflet-interactive')).length")
    assert roads_and_route > 10  # the road graph inside the route's box (not interactive)
    assert paths.count() > roads_and_route  # the route line (and the depot's marker) are interactive
    numbered = page.locator("#map .leaflet-marker-pane .map-num").count()
    assert stops - 2 <= numbered < stops  # a numbered marker per stop with a place, the depot's lines without
    assert page.locator("#map img.leaflet-tile").count() == 0
    assert "地図を読み込めません" not in page.inner_text("#map")
    shot(page, "route-map", docs=True)
