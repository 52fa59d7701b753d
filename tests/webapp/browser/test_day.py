"""今日の運行 in the browser (1366 × 768, Japanese): the table of the day, and a report made meanwhile shown by itself."""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.browser

#: Latin words a Japanese page may show: the map's credit and the ids people read (SAMPLE-V1, ...).
_LATIN_ALLOWED = re.compile(r"OpenStreetMap|contributors|ODbL|SAMPLE[-\w]*|[A-Z]{2,}[-\d]*")


@pytest.fixture
def quick_refresh(live_server):
    """The screen refreshes every second for this test (the setting is read when the page is served)."""
    app = live_server.app
    before = app.config["ODEKAKE_LIVE_REFRESH_S"]
    app.config["ODEKAKE_LIVE_REFRESH_S"] = 1
    yield
    app.config["ODEKAKE_LIVE_REFRESH_S"] = before


def test_the_day_refreshes_itself_after_a_report_keeping_the_scroll(page_as, shot, live_server, driver_days,
                                                                    city_clock, quick_refresh):
    """A report stored while the dispatcher reads the day turns its row to 到着 without a reload, same scroll."""
    from scheduler.store import Store

    # vehicle 2's last day: the driver tests write driver 1's second day and driver 2's first day
    day = driver_days[2][-1]
    assert day not in (driver_days[1][1], driver_days[2][0])
    city_clock(day)
    page = page_as("dispatcher")
    page.goto(f"/dispatch/days/{day.isoformat()}")
    assert page.locator("h1").inner_text().startswith("今日の運行")
    sections = page.locator("section.vehicle")
    assert sections.count() >= 2
    second = page.locator("section.vehicle[data-vehicle-id='2']")
    assert second.locator("table.live tbody tr").count() > 3
    headers = page.locator("table.live >> nth=0").locator("thead th").all_inner_texts()
    assert headers == ["順", "種別", "行き先", "伝えた時間", "予定", "実績", "見込み", "遅れ", "状態", "操作"]  # 操作: lock and move (issue 26)
    row = second.locator("tr:has(td.num:text-is('1'))")
    stop_id = int(row.get_attribute("data-stop-id"))
    assert row.locator(".state-word").inner_text() == "予定"
    page.wait_for_selector("#map .leaflet-marker-pane .map-num")
    text = page.inner_text("main")  # the header holds the area name, the login and the language switch
    latin = [w for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text) if not _LATIN_ALLOWED.fullmatch(w)]
    assert latin == [], latin  # no English on the Japanese page

    page.evaluate("() => { window.notReloaded = true; }")
    row.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, 120)")
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0
    at = dt.datetime.combine(day, dt.time(9))
    with Store.for_instance(live_server.instance) as store:
        store.mark_stop(stop_id, "arrived", user="driver2", at=at, now=at)
    page.wait_for_selector(f"tr[data-stop-id='{stop_id}'].state-arrived", timeout=10_000)
    assert row.locator(".state-word").inner_text() == "到着"
    assert row.locator(".actual").inner_text().startswith("9:00")
    assert page.evaluate("() => window.notReloaded === true")  # updated in place, not reloaded
    assert page.evaluate("() => window.scrollY") == scrolled
    assert "最終報告 0分前" in second.locator(".last-report").inner_text()
    shot(page, "dispatch-day", docs=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, "dispatch-day-top")

    # the screen stays open until 11:30 with no word from the van since 9:00 (the clock moves 20 minutes a
    # refresh: the log-in lasts while the screen asks): the rides told 10:00–10:30 are late, on the call list
    for minutes in range(20, 151, 20):
        moment = at + dt.timedelta(minutes=minutes)
        live_server.app.config["ODEKAKE_NOW"] = moment.isoformat()
        page.wait_for_function("t => document.getElementById('updated-at').textContent === t",
                               arg=f"{moment.hour}:{moment.minute:02d}")
    page.wait_for_selector("#late-banner:not([hidden]) .late-list li", timeout=10_000)
    with page.expect_navigation():
        page.click("#late-banner a:has-text('連絡リストを開く')")
    assert page.locator("table.calls tbody tr").count() >= 1
    first = page.locator("table.calls tbody tr >> nth=0")
    assert "お出かけ市役所です" in first.locator(".read-back").inner_text()
    assert first.locator("button").all_inner_texts() == ["連絡済み", "不在・折返し待ち", "変更了承", "取消希望"]
    shot(page, "dispatch-calls", docs=True)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not first.locator("form").is_visible()
    shot(page, "dispatch-calls-print", full_page=True)


def test_done_recorded_from_the_day_screen_with_what_was_handled(page_as, shot, live_server, driver_days, city_clock):
    """A dispatcher records 完了 of vehicle 2's first visit from 今日の運行: the tablet's counters, pre-filled."""
    import json

    from scheduler.store import Store

    day = driver_days[2][2]
    assert day not in (driver_days[2][0], driver_days[2][1], driver_days[2][-1])  # the days other tests write
    city_clock(day)
    page = page_as("dispatcher")
    page.goto(f"/dispatch/days/{day.isoformat()}")
    row = page.locator("section.vehicle[data-vehicle-id='2'] tr:has(details.done-form .handled input[name^='svc-'])").first
    stop_id = int(row.get_attribute("data-stop-id"))
    row.locator("details.done-form > summary").click()
    counters = row.locator(".handled input[name^='svc-']")
    assert counters.count() >= 1 and counters.first.is_visible()
    code = counters.first.get_attribute("name")[4:]
    assert counters.first.input_value() == "1"  # what was asked, once
    labels = row.locator(".handled label").all_text_contents()
    assert labels and all(re.search(r"[ぁ-んァ-ヶ一-龠]", t) for t in labels)  # the services in Japanese
    counters.first.fill("2")
    shot(page, "dispatch-day-done-form")
    with page.expect_navigation():
        row.locator("button:has-text('完了')").click()
    assert "完了を記録しました" in page.locator("p.flash").inner_text()
    assert page.locator(f"tr[data-stop-id='{stop_id}'] .state-word").inner_text() == "完了"
    assert not page.locator(f"tr[data-stop-id='{stop_id}'] details.done-form").is_visible()
    with Store.for_instance(live_server.instance) as store:
        services = store.db.execute("SELECT services FROM stop_handled WHERE stop_id = ?", [stop_id]).fetchone()[0]
    assert json.loads(services)[code] == 2


def test_at_a_tablets_width_each_stops_buttons_keep_their_words_on_one_line(page_as, shot, city_clock):
    """At 1280 × 800 the columns were so narrow that 鍵をかける and 完了を記録 broke over two or three lines."""
    from tests.webapp.browser.conftest import TABLET_LANDSCAPE
    from tests.webapp.conftest import WEEK

    day = WEEK + dt.timedelta(days=3)  # read only
    city_clock(day)
    page = page_as("dispatcher", viewport=TABLET_LANDSCAPE)
    page.goto(f"/dispatch/days/{day.isoformat()}")
    words = "section.vehicle td.actions button, section.vehicle details.done-form > summary"
    assert page.locator(words).count() >= 10
    lines = page.evaluate("""(selector) => [...document.querySelectorAll(selector)].filter(e => e.offsetParent)
        .map(e => { const range = document.createRange(); range.selectNodeContents(e);
                    const size = parseFloat(getComputedStyle(e).fontSize);  // a line below is a font size lower
                    const bottoms = [...range.getClientRects()].filter(r => r.width > 1 && r.height > 1)
                                    .map(r => r.bottom).sort((a, b) => a - b);
                    const lines = bottoms.filter((b, i) => i === 0 || b - bottoms[i - 1] > size * 0.6).length;
                    return [e.innerText.trim(), lines]; })""", words)
    assert lines and all(n == 1 for _, n in lines), [(t, n) for t, n in lines if n != 1][:5]
    shot(page, "dispatch-day-1280")
