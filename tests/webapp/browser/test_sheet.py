"""The stop sheet (運行表) in the browser: opened from the driver's day, its map, and how it prints.

Read-only: vehicle 1's first day of the published sample week (the tablet test reads it too).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.webapp.browser.conftest import TABLET_LANDSCAPE
from tests.webapp.test_sheet import _pages, needs_pdf

pytestmark = pytest.mark.browser

#: Smallest font size (px) of visible text outside the map's drawing, in the current media.
_SMALLEST_TEXT = """() => { let smallest = Infinity; const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement; if (!n.textContent.trim() || e.closest('svg, script, style')) continue;
    if (!e.getClientRects().length) continue;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(e).fontSize));
  } return smallest; }"""

#: 10.5 pt, the smallest print size of the sheet (UI.md), in CSS px.
_MIN_PRINT_PX = 10.5 * 96 / 72


def test_driver_prints_the_stop_sheet(page_as, shot, driver_days):
    """From the driver's day: one row per card, one map marker per numbered row; print hides the toolbar, ≥ 10.5 pt."""
    day = driver_days[1][0]
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/?day={day}")
    cards = page.locator("li.card").count()
    assert cards > 3
    with page.expect_navigation():
        page.click("a:has-text('運行表を印刷')")
    assert page.url.endswith(f"/driver/sheet/{day}")
    expect(page.locator(".sheet-head h1")).to_contain_text("運行表")

    rows = page.locator("table.stops > tbody > tr:not(.totals)")
    assert rows.count() == cards  # the same stops as the driver's day, in the same order
    numbered = page.locator("table.stops tr.serve .seq").all_inner_texts()
    assert numbered and len(numbered) < cards  # depot start and end have no number
    expect(page.locator(".facts div:has(dt:text-is('停車')) dd")).to_have_text(str(len(numbered)))
    svg = page.locator("figure.route-map svg.route-svg")
    expect(svg).to_be_visible()
    markers = svg.locator("g.stop-marker")
    assert markers.count() == len(numbered)
    assert sorted(m.get_attribute("data-seq") for m in markers.all()) == sorted(n.strip() for n in numbered)
    assert svg.locator("polyline.route").count() >= 1 and svg.locator("rect.depot-marker").count() >= 1
    expect(page.locator(".toolbar")).to_be_visible()
    shot(page, "stop-sheet", docs=True)

    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    assert page.evaluate(_SMALLEST_TEXT) >= _MIN_PRINT_PX
    printed = page.pdf(format="A4", print_background=True)
    assert printed.startswith(b"%PDF") and _pages(printed) >= 1
    page.emulate_media(media="screen")
    expect(page.locator(".toolbar")).to_be_visible()


@needs_pdf
def test_the_sheet_pdf_link_serves_weasyprints_pdf(page_as, driver_days):
    """The toolbar's PDF link (the same sheet printed by WeasyPrint on the server), fetched with the driver's session."""
    day = driver_days[1][0]
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/sheet/{day}")
    pdf_url = page.get_attribute(".toolbar a[type='application/pdf']", "href")
    assert pdf_url == f"/api/routes/{day}/1/sheet.pdf"
    answer = page.request.get(pdf_url)
    assert answer.status == 200, answer.text()
    assert answer.headers["content-type"] == "application/pdf"
    body = answer.body()
    assert body.startswith(b"%PDF") and _pages(body) >= 1
