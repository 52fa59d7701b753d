"""The 実績 screen (issue 27): who may see it, the period form, charts with their tables, zeros, worded errors, the PDF."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from tests.webapp.conftest import login
from tests.webapp.test_sheet import _embedded_fonts, _objects, _pages, needs_pdf

SVG = "{http://www.w3.org/2000/svg}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)]


@pytest.mark.parametrize("user", ["dispatcher", "admin"])
def test_the_results_page_shows_the_year_with_charts_and_their_tables(client, route, user):
    login(client, user)
    page = client.get("/results/")
    assert page.status_code == 200
    text = page.text
    assert "実績" in text and "2026年4月1日" in text and "2027年3月31日" in text  # this fiscal year (年度)
    for tab in ("地区", "施設", "車両", "サービス", "月別"):
        assert f">{tab}</a>" in text
    charts = _svgs(text)
    assert len(charts) == 4 and all(c.get("role") == "img" and c.find(f"{SVG}title").text for c in charts)
    assert text.count("<table") >= 7  # every chart has its table under it


def test_the_figures_of_a_reported_day_are_shown_and_grouped_by_tab(client, reported, store):
    from scheduler.evidence.stats import figures

    day = reported[0].day
    page = client.get(f"/results/?period=month&month={day.isoformat()[:7]}&by=vehicle")
    assert page.status_code == 200 and "対象期間にデータがありません" not in page.text
    answer = figures(store, day.replace(day=1), dt.date(day.year, day.month + 1, 1) - dt.timedelta(days=1), "vehicle",
                     today=day)
    bars = _svgs(page.text)[0].findall(f"{SVG}rect[@class='bar']")
    assert [int(float(b.get("data-value"))) for b in bars] == [r["services_total"] for r in answer.rows]
    assert f"{answer.totals['services_total']:,}" in page.text
    assert "用件の合計" in page.text and "対応した住民（実人数）" in page.text


def test_the_export_buttons_ask_the_api_the_same_question(client, reported):
    page = client.get("/results/?period=custom&from=2026-11-01&to=2026-12-31&by=site")
    links = re.findall(r'href="(/api/stats\?[^"]+)"', page.text)
    assert len(links) == 2
    for link in links:
        link = link.replace("&amp;", "&")
        assert "from=2026-11-01" in link and "to=2026-12-31" in link and "by=site" in link and "lang=ja" in link
        answer = client.get(link, headers={"Accept-Language": "en"})  # the screen's language, not the browser's
        assert answer.status_code == 200 and answer.mimetype in ("text/csv", XLSX)
        if answer.mimetype == "text/csv":
            assert answer.data.decode("utf-8-sig").startswith("施設のコード,施設,")
    client.get("/lang/en")
    page = client.get("/results/?period=custom&from=2026-11-01&to=2026-12-31&by=site")
    assert all("lang=en" in link for link in re.findall(r'href="(/api/stats\?[^"]+)"', page.text))


def test_a_period_with_nothing_shows_zeros_and_says_so(client, reported):
    page = client.get("/results/?period=month&month=2020-01")
    assert page.status_code == 200
    assert "対象期間にデータがありません" in page.text
    assert "2020年1月1日" in page.text
    total = re.search(r'<tr class="total">(.*?)</tr>', page.text, flags=re.DOTALL).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", total)[0] == "0"


@pytest.mark.parametrize(("query", "field_label", "words"), [
    ("period=custom&from=2026-12-01&to=2026-11-01", "q-to", "より前です"),
    ("period=custom&from=2020-01-01&to=2026-12-31", "q-to", "5年以内"),
    ("period=fy&district=どこにもない地区", "q-district", "という地区はありません"),
    ("period=month&month=2026-13", "q-month", "は月ではありません"),
    ("period=fy&fy=二〇二六", "q-fy", "は年度ではありません"),
    ("period=custom&from=yesterday&to=2026-12-01", "q-from", "は日付ではありません"),
])
def test_bad_input_is_shown_beside_its_field_in_japanese(client, reported, query, field_label, words):
    page = client.get(f"/results/?{query}")
    assert page.status_code == 400
    error = re.search(rf'id="{field_label}-error">([^<]+)<', page.text)
    assert error is not None and words in error.group(1)
    assert not re.search(r"[A-Za-z]{3,}", re.sub("&#39;.*?&#39;", "", error.group(1)))  # no English (but what was typed)


def _map_marks(html: str) -> list[ET.Element]:
    maps = [svg for svg in _svgs(html) if svg.find(f".//{SVG}g[@class='district']") is not None]
    assert len(maps) == 1
    return maps[0].findall(f".//{SVG}g[@class='district']")


def test_the_district_map_has_a_mark_per_district_with_its_figures_and_its_table(client, reported, store):
    from scheduler.evidence.stats import district_centres, figures

    day = reported[0].day
    with store.transaction():  # a second district: every other resident moves there (the summary follows)
        store.db.execute("UPDATE residents SET district = '架空・川辺地区 (fictional)' WHERE id % 2 = 0")
    page = client.get(f"/results/?period=month&month={day.isoformat()[:7]}&by=site")
    marks = _map_marks(page.text)
    centres = district_centres(store)
    answer = figures(store, day.replace(day=1), (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                     - dt.timedelta(days=1), "district", today=day)
    reach = {r["district"]: r for r in answer.reach}
    assert sorted(m.get("data-district") for m in marks) == sorted(centres) and len(centres) >= 2
    assert any(r["unserved"] for r in reach.values()) or any(r["unique_residents_served"] for r in reach.values())
    for mark in marks:
        row = reach[mark.get("data-district")]
        title = mark.find(f"{SVG}title").text
        assert title.startswith(f"{row['district']}: 登録住民 {row['registered_residents']:,}人")
        assert f"対応できなかった依頼 {row['unserved']:,}件" in title
        assert int(mark.get("data-residents")) == row["registered_residents"] == centres[row["district"]][2]
        assert float(mark.get("data-share")) == row["reach_share"]
        rings = mark.findall(f"{SVG}circle[@class='ring']")
        assert len(rings) == (1 if row["unserved"] else 0)
    section = page.text[page.text.index("<h2>地区の地図</h2>"):]
    table = section[section.index("<table"):section.index("</table>")]
    cells = [re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", tr) for tr in re.findall(r"<tr.*?</tr>", table, re.DOTALL)]
    assert cells[0][0] == "地区" and len(cells) - 1 == len(marks)
    for row in cells[1:]:
        r = reach[row[0]]
        assert row[1:] == [f"{r['registered_residents']:,}", f"{r['reach_share'] * 100:.1f}%", f"{r['unserved']:,}"]


@pytest.mark.parametrize("user", ["operator", "driver1"])
def test_operators_and_drivers_may_not_see_results(client, user):
    login(client, user)
    assert client.get("/results/").status_code == 403
    assert client.get("/results/report.pdf").status_code == 403


def test_the_menu_links_results_for_dispatchers_only(client, app):
    login(client, "dispatcher")
    assert 'href="/results/"' in client.get("/dispatch/today", follow_redirects=True).text
    operator = app.test_client()
    login(operator, "operator")
    assert 'href="/results/"' not in operator.get("/booking/", follow_redirects=True).text


def test_the_report_as_a_page_has_a_summary_and_a_page_per_district(client, reported, store):
    page = client.get("/results/report.pdf?fy=2026&html=1")
    assert page.status_code == 200
    districts = {r["district"] for r in store.db.query("SELECT DISTINCT district FROM residents")}
    assert page.text.count('class="page district"') == len(districts)
    assert "2026年度 お出かけ市役所 事業評価報告書" in page.text
    assert page.text.count('class="page map"') == 1 and len(_map_marks(page.text)) == len(districts - {""})


def test_a_bad_fiscal_year_is_refused_in_japanese(client, reported):
    answer = client.get("/results/report.pdf?fy=abcd")
    assert answer.status_code == 400 and "年度" in answer.text


@needs_pdf
def test_the_report_pdf_has_one_summary_page_and_one_page_per_district(client, reported, store):
    answer = client.get("/results/report.pdf?fy=2026")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    districts = {r["district"] for r in store.db.query("SELECT DISTINCT district FROM residents")}
    assert _pages(answer.data) == 2 + len(districts)  # the summary, the district map, a page per district
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", _objects(answer.data))  # A4
    fonts = _embedded_fonts(answer.data)
    assert re.search(r"IPAexGothic|Noto-?Sans-?CJK-?JP|IPAGothic", fonts), fonts
