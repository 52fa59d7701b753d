"""The driver's day on a 10-inch tablet (1280 × 800 and 800 × 1280): sizes staff need with gloves, and the buttons."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.webapp.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT

pytestmark = pytest.mark.browser

#: Visible controls smaller than 48 × 48 px (UI.md: touch targets of at least 48 px).
_SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea')]
  .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0 && (r.width < 48 || r.height < 48))
  .map(([e, r]) => `${e.tagName} "${e.textContent.trim()}" ${Math.round(r.width)}x${Math.round(r.height)}`)"""

#: Visible text under 18 px (UI.md: base text 18 px or more); the kana reading above a name may be small.
_SMALL_TEXT = """() => { const out = []; const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement; if (!n.textContent.trim() || e.closest('rt, script, style')) continue;
    if (!e.getClientRects().length) continue;
    const px = parseFloat(getComputedStyle(e).fontSize); if (px < 18) out.push(`${e.tagName} "${n.textContent.trim()}" ${px}px`);
  } return out; }"""

#: Text/background pairs below 4.5:1 (high contrast), background read from the nearest painted ancestor.
_LOW_CONTRAST = """() => { const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  const out = []; for (const e of document.querySelectorAll('body *')) {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || !e.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(`${e.tagName}.${e.className} "${e.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`);
  } return out; }"""


@pytest.mark.parametrize(("viewport", "name"), [(TABLET_LANDSCAPE, "landscape"), (TABLET_PORTRAIT, "portrait")])
def test_driver_day_is_readable_and_touchable_on_a_tablet(page_as, shot, driver_days, city_clock, viewport, name):
    """Every control is at least 48 px, text 18 px or more in high contrast, no sideways scroll, the next stop in view."""
    city_clock(driver_days[1][0])
    page = page_as("driver1", viewport)
    page.goto(f"/driver/?day={driver_days[1][0]}")
    assert page.locator("li.card").count() > 3
    assert page.evaluate(_SMALL_TARGETS) == []
    assert page.evaluate(_SMALL_TEXT) == []
    assert page.evaluate(_LOW_CONTRAST) == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    nxt = page.locator("#next")
    assert "次" in nxt.locator(".next-label").inner_text()
    box = nxt.bounding_box()
    assert 0 <= box["y"] < viewport["height"] / 2  # the next stop starts in the upper half of the screen
    eta = nxt.locator(".eta").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert eta >= 28  # the time of the next stop, readable at arm's length
    assert page.locator("#next .act-done").is_visible()
    shot(page, f"driver-day-{name}", docs=True)


def test_driver_marks_stops_and_the_next_stop_comes_up(page_as, shot, driver_days, city_clock):
    """到着 then 完了 on the next stop, then 不在 on the following one: each is recorded and the next card is in view.

    Uses vehicle 1's second day, which no other browser test reads.
    """
    city_clock(driver_days[1][1])
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/?day={driver_days[1][1]}")
    first_place = page.inner_text("#next .place")
    with page.expect_navigation():
        page.click("#next .act-arrived")
    assert page.inner_text("p.flash") == "記録しました"
    assert page.inner_text("#next .place") == first_place and "到着" in page.inner_text("#next .report")
    with page.expect_navigation():
        page.click("#next .act-done")
    assert page.url.endswith("#next")
    finished = page.locator("li.card.finished")
    assert finished.count() == 1 and first_place in finished.inner_text() and "完了" in finished.inner_text()
    second_place = page.inner_text("#next .place")
    with page.expect_navigation():
        page.click("#next .act-not_home")
    assert page.locator("li.card.finished").count() == 2
    assert "不在" in page.locator("li.card.finished").nth(1).inner_text()
    assert page.locator("li.card.finished .place").nth(1).inner_text() == second_place
    box = page.locator("#next").bounding_box()
    assert -1 <= box["y"] < TABLET_LANDSCAPE["height"]  # scrolled to #next (sub-pixel above 0 is still in view)
    page.reload()  # the reports are stored: the same cards after a reload
    assert page.locator("li.card.finished").count() == 2
    shot(page, "driver-day-after-reports")


def test_cannot_serve_needs_a_reason_in_portrait(page_as, driver_days, city_clock):
    """対応不可 without a reason says so beside the field (with the focus there); with one it is recorded."""
    city_clock(driver_days[2][0])
    page = page_as("driver2", TABLET_PORTRAIT)
    page.goto(f"/driver/?day={driver_days[2][0]}")
    place = page.inner_text("#next .place")
    with page.expect_navigation():
        page.click("#next .act-cannot_serve")
    assert "理由を入力してください" in page.inner_text("#next .field-error")
    assert page.evaluate("document.activeElement.name") == "note"
    page.keyboard.type("道路が通行止め")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    done = page.locator("li.card.finished")
    assert done.count() == 1 and place in done.inner_text() and "対応不可" in done.inner_text()


def test_tomorrows_route_reads_without_buttons_and_says_when(page_as, shot, driver_days, city_clock):
    """The evening before: tomorrow's cards to read, no 到着/完了/不在/対応不可, and a note saying so in Japanese."""
    day = driver_days[1][0]
    city_clock(day - dt.timedelta(days=1))
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/?day={day}")
    assert page.locator("li.card").count() > 3
    assert page.locator("button.act").count() == 0 and page.locator("input[name=note]").count() == 0
    note = page.locator("p.ahead")
    assert note.is_visible() and note.inner_text() == "明日の運行です。到着・完了などは当日に記録できます"
    assert page.evaluate(_SMALL_TEXT) == [] and page.evaluate(_LOW_CONTRAST) == []
    shot(page, "driver-day-tomorrow")
