"""The stop sheet (運行表): print view for drivers and dispatchers, its SVG route map and the PDF."""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
import socket
import subprocess
import zlib

import pytest

from tests.webapp.conftest import WEEK, login
from webapp.maps import Bbox
from webapp.sheet import MEMO_ROW_CHARS, MapMarker, route_svg

_SERVE = ("visit", "session", "pickup", "delivery")


def _pdf_ready() -> bool:
    try:
        import weasyprint  # noqa: F401 - pango and harfbuzz load on import
    except (ImportError, OSError):
        return False
    from webapp.pdf import japanese_font

    return japanese_font() is not None


needs_pdf = pytest.mark.skipif(not _pdf_ready(), reason="WeasyPrint's system libraries or a Japanese font missing")


def _names(store, stops) -> set[str]:
    return {store.residents.get(s.resident_id).name for s in stops if s.resident_id is not None}


def _objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (WeasyPrint packs page objects in object streams)."""
    inflated = []
    for m in re.finditer(rb"stream\r?\n", pdf):
        try:
            inflated.append(zlib.decompressobj().decompress(pdf[m.end():]))
        except zlib.error:
            continue
    return pdf + b"".join(inflated)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", _objects(pdf)))


def test_driver_sheet_shows_own_route_only_and_is_audited(client, store, route):
    """Driver 1's sheet: their stops with names, tick boxes and amounts; no other resident; the view is audited."""
    day, stops = route
    login(client, "driver1")
    page = client.get(f"/driver/sheet/{day}")
    assert page.status_code == 200
    text = page.text
    plan = store.plans.published(WEEK)
    here = _names(store, stops)
    elsewhere = _names(store, [s for s in plan.stops if (s.vehicle_id, s.day) != (1, day)]) - here
    assert here and all(n in text for n in here)
    assert not any(n in text for n in elsewhere)
    serving = [s for s in stops if s.step_type in _SERVE]
    boxes = text.count('class="box"')  # one tick box per row that serves (a door row may merge deliveries)
    assert boxes == text.count('class="num"') and 0 < boxes <= len(serving)
    assert "2026年" in text and "運行表" in text and f'/api/routes/{day}/1/sheet.pdf' in text
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.user, entry.action, entry.where) == ("driver1", "view", "driver.sheet")
    assert set(entry.subject_ids) == {s.resident_id for s in stops if s.resident_id is not None} | {
        store.requests.get(s.request_id).resident_id for s in stops if s.request_id is not None}


def test_driver_gets_no_other_vehicle_and_no_office_sheet(client, route):
    """Another vehicle's PDF is 403, a day without a route 404, the dispatcher's sheet 403."""
    day, _ = route
    login(client, "driver1")
    assert client.get(f"/api/routes/{day}/2/sheet.pdf").status_code == 403
    assert client.get("/driver/sheet/2026-12-06").status_code == 404  # a Sunday: no route
    assert client.get(f"/dispatch/weeks/{WEEK}/sheet/{day}/1").status_code == 403
    assert client.get("/driver/sheet/someday").status_code == 400


def test_dispatcher_sheet_of_any_shift_and_the_board_links_it(client, store, route):
    """A dispatcher opens vehicle 2's sheet from the board; the operator does not see the link."""
    day, _ = route
    login(client, "dispatcher")
    board = client.get(f"/dispatch/weeks/{WEEK}").text
    link = f"/dispatch/weeks/{WEEK}/sheet/{day}/2"
    assert link in board
    page = client.get(link + "?version=1")
    assert page.status_code == 200
    assert store.vehicles.get(2).name in page.text
    assert f"/api/routes/{day}/2/sheet.pdf?version=1" in page.text
    assert client.get(f"/dispatch/weeks/{WEEK}/sheet/{day}/99").status_code == 404
    other = client.application.test_client()
    login(other, "operator")
    assert link not in other.get(f"/dispatch/weeks/{WEEK}").text


def test_driver_day_links_its_sheet(client, route):
    """The driver's day has the print link and the PDF link of the same day."""
    day, _ = route
    login(client, "driver1")
    page = client.get(f"/driver/?day={day}").text
    assert f"/driver/sheet/{day}" in page and f"/api/routes/{day}/1/sheet.pdf" in page


def test_sheet_in_english(client, route):
    """After the language switch the sheet's words and its date are English."""
    day, _ = route
    login(client, "driver1")
    client.get("/lang/en")
    text = client.get(f"/driver/sheet/{day}").text
    assert "Stop sheet" in text and "Total to collect" in text and "Depot" in text
    assert day.strftime("%a %-d %b %Y") in text
    assert "運行表" not in text


def test_the_map_has_one_numbered_marker_per_stop_in_table_order(client, route):
    """The inline SVG: one marker per row that serves a request, numbered like the table, roads and route drawn."""
    day, _ = route
    login(client, "driver1")
    text = client.get(f"/driver/sheet/{day}").text
    svg = text[text.index("<svg"):text.index("</svg>")]
    markers = re.findall(r'class="stop-marker kind-\w+" data-seq="(\d+)"', svg)
    numbered = re.findall(r'<span class="num"[^>]*>(\d+)</span>', text)
    assert markers and markers == numbered
    assert 'class="route"' in svg and 'class="road"' in svg and svg.count('class="depot-marker"') == 1
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_route_svg_draws_by_hand_positions():
    """Box 0–1° at the equator: scale min(1000/cos 0.5°, 900/1) = 900 units per degree, so (0.5, 0.5) is (450, 450);
    a second marker at the same place moves one marker width plus 2 (32 units) to the right."""
    line = {"features": [{"properties": {}, "geometry": {"coordinates": [[0, 0], [1, 1]]}}]}
    svg = route_svg(line, {"features": []}, Bbox(0, 0, 1, 1),
                    [MapMarker("1", "visit", 0.5, 0.5), MapMarker("2", "errand", 0.5, 0.5)],
                    colours={"visit": "#1f77b4"})
    assert 'viewBox="0 0 900 900"' in svg
    assert 'points="0.0,900.0 900.0,0.0"' in svg
    assert '<circle cx="450.0" cy="450.0"' in svg and '<circle cx="482.0" cy="450.0"' in svg
    # errand is not in `colours` here: grey, still numbered; each number black or white, whichever contrasts more
    assert 'fill="#1f77b4"' in svg and 'fill="#555555"' in svg
    assert svg.count('fill="#ffffff">') == 2  # white on blue (4.82:1) and on grey (7.46:1)


@needs_pdf
def test_pdf_is_a4_with_a_japanese_font(client, route):
    """The PDF endpoint answers application/pdf with an embedded Japanese font and A4 pages."""
    day, _ = route
    login(client, "driver1")
    response = client.get(f"/api/routes/{day}/1/sheet.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF") and _pages(pdf) >= 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", _objects(pdf))  # A4: 210 × 297 mm in points
    fonts = _embedded_fonts(pdf)
    assert re.search(r"IPAexGothic|Noto-?Sans-?CJK-?JP|IPAGothic", fonts), fonts


def _embedded_fonts(pdf: bytes) -> str:
    """pdffonts' list when poppler-utils is installed, else the font names in the PDF's bytes."""
    if shutil.which("pdffonts"):
        return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(m.decode() for m in re.findall(rb"/(?:FontName|BaseFont)\s*/([\w+-]+)", _objects(pdf)))


@needs_pdf
def test_a_long_route_prints_on_several_numbered_pages(client, store, route):
    """A route four times as long (a published version with driver 1's day repeated) runs over several pages,
    each saying "k / N" with N the PDF's page count."""
    day, _ = route
    plan = copy.deepcopy(store.plans.published(WEEK))
    mine = sorted((s for s in plan.stops if (s.vehicle_id, s.day) == (1, day)), key=lambda s: s.seq)
    n = len(mine)
    plan.stops += [dataclasses.replace(s, id=None, seq=s.seq + k * n) for k in range(1, 4) for s in mine]
    plan.status = "draft"
    saved = store.plans.save(plan)
    store.plans.publish(saved.id, user="test")
    login(client, "driver1")
    pdf = client.get(f"/api/routes/{day}/1/sheet.pdf").data
    pages = _pages(pdf)
    assert pages >= 3
    if shutil.which("pdftotext"):
        for k in range(1, pages + 1):
            text = subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), "-", "-"], input=pdf,
                                  capture_output=True, check=True).stdout.decode()
            assert re.search(rf"(?m)^{k}\s*/\s*{pages}$", text), k  # the footer (pdftotext drops its spaces)


def test_pdf_without_a_japanese_font_answers_a_clear_error(client, route, monkeypatch):
    """No Japanese font: 503 with JSON naming what to install, never empty boxes or a stack trace."""
    day, _ = route
    monkeypatch.setattr("webapp.pdf.japanese_font", lambda: None)
    login(client, "driver1")
    response = client.get(f"/api/routes/{day}/1/sheet.pdf")
    assert response.status_code == 503
    assert "Japanese font" in response.json["error"] and "fonts-ipaexfont-gothic" in response.json["error"]


@needs_pdf
def test_weasyprint_fetches_nothing(monkeypatch, tmp_path):
    """A page pointing at other hosts (stylesheet, image, font) renders without any connection being opened."""
    from webapp.pdf import render_pdf

    opened = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a))
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: opened.append(a))
    css = tmp_path / "x.css"
    css.write_text('@font-face { font-family: X; src: url(https://fonts.example/x.woff2); }', encoding="utf-8")
    html = ('<link rel="stylesheet" href="https://cdn.example/s.css"><p>運行表</p>'
            '<img src="https://tiles.example/1.png"><img src="file:///etc/hostname">')
    assert render_pdf(html, stylesheet=css).startswith(b"%PDF")
    assert opened == []


#: A doorstep memo at the longest a request's text may be (scheduler.domain.TEXT_LIMIT), no spaces to break at.
_LONG_MEMO = ("裏口から声をかけてください。犬がいます。" * 30)[:500]


def _long_memos(store, stops, count: int) -> list:
    """Give the first `count` visits of `stops` a 500-character memo; return those stops."""
    visits = [s for s in stops if s.step_type == "visit"][:count]
    for n, s in enumerate(visits, 1):
        req = store.requests.get(s.request_id)
        req.notes = f"{n}番目" + _LONG_MEMO[:500 - len(f"{n}番目")]
        store.requests.update(req)
    return visits


def test_a_long_memo_is_cut_in_its_row_and_printed_whole_under_notes(client, store, route):
    """A 500-character memo: its row prints the first words and "…（注記 1 へ続く）"; 注記 at the end holds it whole."""
    day, stops = route
    (stop,) = _long_memos(store, stops, 1)
    memo = store.requests.get(stop.request_id).notes
    login(client, "driver1")
    page = client.get(f"/driver/sheet/{day}").text
    rows = re.findall(r"<tr class=\"kind-[^\"]*\">.*?</tr>", page, flags=re.DOTALL)
    row = next(r for r in rows if f">{stop.seq}</span>" in r)
    assert "…（注記 1 へ続く）" in row and memo not in row and memo[:MEMO_ROW_CHARS] in row
    assert all(len(re.sub(r"<[^>]+>", "", r)) < 400 for r in rows)  # no row carries a page of text
    notes = page[page.index('<section class="sheet-notes"'):]
    assert "注記" in notes and memo in notes and 'id="note-1"' in notes and f"停車順 {stop.seq}" in notes
    client.get("/lang/en")
    assert "… (continued in note 1)" in client.get(f"/driver/sheet/{day}").text


def test_a_short_memo_stays_whole_in_its_row_and_there_is_no_notes_section(client, route):
    """Memos that fit stay in their rows; the sheet has no 注記 section."""
    day, _ = route
    login(client, "driver1")
    page = client.get(f"/driver/sheet/{day}").text
    assert "sheet-notes" not in page and "へ続く" not in page


@needs_pdf
def test_long_memos_add_at_most_one_notes_page_to_the_pdf(client, store, route):
    """Three 500-character memos: the PDF has the pages the stops alone need and one page of notes at most."""
    day, stops = route
    login(client, "driver1")
    alone = _pages(client.get(f"/api/routes/{day}/1/sheet.pdf").data)
    _long_memos(store, stops, 3)
    with_memos = client.get(f"/api/routes/{day}/1/sheet.pdf").data
    assert alone <= _pages(with_memos) <= alone + 1
