"""実績 in a browser (issue 27): 1366 × 768 in Japanese with its charts in view, printed; the tablet's 完了 counters."""

from __future__ import annotations

import re

import pytest

from tests.webapp.browser.conftest import DESKTOP, TABLET_LANDSCAPE

pytestmark = pytest.mark.browser

#: Latin words the 実績 screen may show: file kinds, units, the sample's ids and mark (fictional), the log-in name.
_ALLOWED = re.compile(r"(?i:csv|pdf|excel|km)|SAMPLE[-\w]*|dispatcher|fictional|odekake")


def _latin_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", text) if not _ALLOWED.fullmatch(w)]


def test_results_at_1366_in_japanese_with_charts_and_prints(page_as, shot):
    page = page_as("dispatcher", DESKTOP)
    page.goto("/results/?period=fy&fy=2026&by=district")
    assert page.title().startswith("実績")
    text = page.inner_text("main") + page.title()  # (the header's language switch says English in English)
    assert _latin_words(text) == []
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 300 and box["height"] > 30 and box["x"] + box["width"] <= DESKTOP["width"]
        assert charts.nth(i).locator("xpath=ancestor::section").locator("table").count() >= 1  # its table below
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]  # no sideways scrolling
    district_map = page.locator("#chart-map")
    district_map.scroll_into_view_if_needed()
    marks, frame = district_map.locator("g.district circle.mark"), district_map.bounding_box()
    assert marks.count() >= 1 and district_map.locator("g.district").count() == marks.count()
    for i in range(marks.count()):  # every district's circle inside the map, with its name beneath
        box = marks.nth(i).bounding_box()
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] and box["width"] >= 15
    legend = " ".join(district_map.locator("text.legend").all_text_contents())
    assert "色: 到達率" in legend and "円の大きさ: 登録住民の数" in legend and _latin_words(legend) == []
    shot(page, "results-district-map")
    page.click("nav.tabs >> text=月別")
    assert page.locator("nav.tabs a.current").inner_text() == "月別"
    shot(page, "results-by-month")
    page.emulate_media(media="print")
    assert not page.locator("form.period-form").is_visible() and charts.first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_an_admin_uploads_the_population_and_reads_every_bad_row_in_japanese(page_as, tmp_path, shot):
    page = page_as("admin", DESKTOP)
    page.goto("/results/")
    page.click("text=地区ごとの人口の取込")
    bad = tmp_path / "population.csv"
    bad.write_text("district,population\n上地区,1200\n,30\n下地区,many\n", encoding="utf-8")
    page.set_input_files("input#file", str(bad))
    page.click("button.primary")
    problems = page.locator("ul.problems li")
    assert problems.count() == 2 and problems.nth(0).inner_text() == "地区: 3行目: 地区がありません"
    assert _latin_words(page.inner_text("section.import-errors").replace("many", "")) == []
    shot(page, "results-population-bad-rows")
    good = tmp_path / "good.csv"
    good.write_text("district,population,label\n上地区,1200,65歳以上\n", encoding="utf-8")
    page.set_input_files("input#file", str(good))
    page.click("button.primary")
    assert "1地区の人口を取り込みました" in page.inner_text("p.flash")


def test_results_bad_dates_are_worded_beside_the_field(page_as):
    page = page_as("dispatcher", DESKTOP)
    page.goto("/results/?period=custom&from=2026-12-01&to=2026-11-01")
    error = page.inner_text("#q-to-error")
    assert "より前です" in error and _latin_words(error) == []


def test_the_tablet_sends_what_a_done_visit_handled(page_as, shot, driver_days, city_clock, live_server):
    """With the script: ＋ on a visit's first service, 完了; the press (queued, then sent) carries handled."""
    from scheduler.store import Store

    day = driver_days[1][-1]
    assert day not in driver_days[1][:3]  # the days other tests write
    city_clock(day)
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/?day={day}")
    card = page.locator("li.card:has(fieldset.handled input[name^='svc-'][value='1'])").first
    stop_id = int(card.get_attribute("data-stop"))
    first = card.locator("fieldset.handled .counter").first
    code = first.locator("input").get_attribute("name")[4:]
    plus = first.locator("button.step[data-step='1']")
    assert plus.is_visible() and plus.bounding_box()["height"] >= 48
    plus.click()
    assert first.locator("input").input_value() == "2"
    shot(page, "driver-done-with-counters")
    with page.expect_navigation():
        card.locator(".act-done").click()
    with Store.for_instance(live_server.instance) as store:
        record = store.handled_at([stop_id])[stop_id]
    assert record.services[code] == 2
