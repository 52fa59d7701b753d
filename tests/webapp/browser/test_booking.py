"""The operator's whole phone call at 1366 × 768: register, find by kana, request, offers, confirm, read back.

It books into the week of 2027-01-11, which no other test reads or writes.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FREE_DAY = "2027-01-12"  # a Tuesday of a week with no plan: any slot of a service day fits


def test_the_whole_call_with_the_keyboard(page_as, shot):
    """Register a caller at a landmark, find them by half-width kana with arrow keys, book a visit, read back."""
    page = page_as("operator")
    assert page.url.endswith("/booking/")
    # register: the map draws the district's own roads; a click fills the position, a landmark wins
    page.goto("/booking/residents/new")
    page.wait_for_selector("#map path.leaflet-interactive, #map svg path")
    page.locator("#map").click()
    assert page.input_value("#lat") and page.input_value("#lon")
    page.fill("#name", "鈴木 梅子")
    page.fill("#phone", "0246-99-1234")
    page.fill("#notes", "耳が遠い")
    page.select_option("#site", index=1)
    shot(page, "booking-register")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "スズキ ウメコ" in page.inner_text(".person")  # the reading suggested from the name
    # find by half-width kana, as typed, and open with the arrow keys
    page.goto("/booking/")
    page.focus("#q")
    page.keyboard.type("ｽｽﾞｷ ｳﾒ")
    page.wait_for_selector("#results tbody tr:has-text('鈴木 梅子')")
    shot(page, "booking-find", docs=True)
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "鈴木 梅子" in page.inner_text(".person")
    # a home visit for a seal certificate on a free day
    with page.expect_navigation():
        page.click("a.kind-visit")
    page.check("input[name=services][value=seal_certificate]")
    page.fill("#earliest", FREE_DAY)
    page.fill("#latest", FREE_DAY)
    page.check("input[name=when][value=mornings]")
    with page.expect_navigation():
        page.click("button.primary")
    offers = page.locator("label.offer")
    assert offers.count() >= 1 and "1月12日" in offers.first.inner_text()
    shot(page, "booking-offers", docs=True)
    page.focus("input[name=offer]:checked")
    with page.expect_navigation():
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # 予約を確定
    text = page.inner_text("#readback")
    assert "鈴木 梅子様" in text and "1月12日（火）" in text and "印鑑" in text
    size = page.locator("#readback").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24  # big text to read out
    shot(page, "booking-readback", docs=True)
    # the resident's history shows the booking with its read-back
    page.click("text=住民のページへ")
    assert "予約" in page.inner_text("table.history")
