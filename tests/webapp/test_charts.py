"""The server-drawn SVG charts (webapp.charts): well-formed XML, bars and points in proportion, labels and titles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from webapp.charts import FONT_FAMILY, Series, bar_chart, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_bars_are_proportional_to_their_values_and_labelled():
    svg = _parse(bar_chart("c1", "地区別の用件数", "地区ごとの用件の数", [("山里", 40), ("川口", 10), ("峠", 0)]))
    bars = svg.findall(f"{SVG}rect[@class='bar']")
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == pytest.approx(4 * widths[1]) and widths[2] == 0
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"山里", "川口", "峠"} <= set(texts) and "40" in texts and "10" in texts


def test_a_chart_is_an_image_with_its_title_and_description_in_the_japanese_font():
    svg = _parse(bar_chart("c2", "地区別の用件数", "説明文", [("山里", 3)]))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c2-title c2-desc"
    assert svg.find(f"{SVG}title").text == "地区別の用件数" and svg.find(f"{SVG}desc").text == "説明文"
    assert "IPAexGothic" in svg.get("font-family") == FONT_FAMILY


def test_shares_end_at_a_hundred_percent_and_none_draws_no_bar():
    svg = _parse(bar_chart("c3", "到達率", "d", [("A", 0.5), ("B", None), ("C", 1.0)], share=True))
    widths = [float(b.get("width")) for b in svg.findall(f"{SVG}rect[@class='bar']")]
    assert widths[0] == pytest.approx(widths[2] / 2) and widths[1] == 0
    assert {"50.0%", "—", "100.0%"} <= {t.text for t in svg.iter(f"{SVG}text")}


def test_text_is_escaped():
    svg = _parse(bar_chart("c4", "<b>&", "d", [("<script>", 1)]))
    assert svg.find(f"{SVG}title").text == "<b>&"
    assert "<script>" in {t.text for t in svg.iter(f"{SVG}text")}


def test_the_trend_has_a_point_per_month_and_series_at_their_height():
    months = ["4月", "5月", "6月"]
    svg = _parse(line_chart("t1", "月別の推移", "今年と前年", months,
                            [Series("今年度", [10, 20, 0]), Series("前年度", [5, 5, 5], dashed=True)]))
    groups = svg.findall(f"{SVG}g[@class='series']")
    assert [g.get("data-name") for g in groups] == ["今年度", "前年度"]
    this_year = groups[0].findall(f"{SVG}circle")
    assert [float(c.get("data-value")) for c in this_year] == [10, 20, 0]
    ys = [float(c.get("cy")) for c in this_year]
    bottom = ys[2]
    assert bottom - ys[1] == pytest.approx(2 * (bottom - ys[0]))  # 20 is twice as high as 10 above 0
    assert groups[1].find(f"{SVG}polyline").get("stroke-dasharray")
    assert set(months) <= {t.text for t in svg.iter(f"{SVG}text")}


def test_an_empty_trend_still_parses():
    svg = _parse(line_chart("t2", "月別の推移", "d", [], []))
    assert svg.find(f"{SVG}title").text == "月別の推移"


@pytest.mark.parametrize(("value", "top"), [(0, 1), (7, 10), (10, 10), (11, 20), (230, 500), (0.3, 0.5)])
def test_axes_end_at_a_round_number(value, top):
    assert nice_ceiling(value) == pytest.approx(top)


def test_a_long_label_is_cut_between_words():
    svg = _parse(bar_chart("c5", "t", "d", [("架空・山里地区 (fictional)", 1)]))
    assert "架空・山里地区…" in {t.text for t in svg.iter(f"{SVG}text")}


def test_the_district_map_shows_a_planted_name_as_text():
    """A district or note typed as markup (an uploaded population CSV) reaches the SVG as text, never as an element."""
    from webapp.charts import MapMark, MapWords, district_map

    bad = '<img src=x onerror=alert(1)>"'
    marks = [MapMark(bad, 37.0, 140.8, 10, 0.5, 2, bad), MapMark("二" + bad, 37.01, 140.81, 5, None, 0, bad)]
    svg = str(district_map("map", bad, bad, marks, MapWords(*(bad,) * 5)))
    assert "<img" not in svg and "&lt;img" in svg
    ET.fromstring(svg)  # still well-formed SVG
