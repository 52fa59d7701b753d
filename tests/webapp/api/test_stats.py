"""``GET /api/stats`` (issue 27): JSON, CSV with a BOM, Excel with a sheet per table, their headings in Japanese
(English on ``lang=en``, the session's or the browser's language), bad input, who may ask."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.webapp.conftest import WEEK, login

FIRST, LAST = WEEK.replace(day=1), WEEK.replace(month=WEEK.month + 1, day=28)


def test_the_json_rows_sum_to_the_totals(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=vehicle")
    assert answer.status_code == 200
    body = answer.json
    assert body["empty"] is False and body["totals"]["services_total"] > 0
    assert sum(r["services_total"] for r in body["rows"]) == body["totals"]["services_total"]
    assert {"rows", "totals", "trend", "reach"} <= set(body)


def _csv(answer) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))


def test_the_csv_has_a_byte_order_mark_and_japanese_headings(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=service&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = _csv(answer)
    assert list(rows[0])[:2] == ["サービスのコード", "サービス"] and "services_total" not in rows[0]
    assert sum(int(r["用件の合計"]) for r in rows) == client.get(
        f"/api/stats?from={FIRST}&to={LAST}").json["totals"]["services_total"]


def test_the_csv_speaks_english_when_asked_and_the_json_keys_stay_english(client, reported):
    japanese = _csv(client.get(f"/api/stats?from={FIRST}&to={LAST}&format=csv&table=reach"))
    english = _csv(client.get(f"/api/stats?from={FIRST}&to={LAST}&format=csv&table=reach&lang=en"))
    keys = list(client.get(f"/api/stats?from={FIRST}&to={LAST}").json["reach"][0])
    assert len(japanese[0]) == len(english[0]) == len(keys) and len(japanese) == len(english)
    assert list(japanese[0])[:3] == ["地区", "登録住民", "対応した住民"]
    assert list(english[0])[:3] == ["District", "Registered residents", "Residents served"]
    assert [list(r.values()) for r in japanese] == [list(r.values()) for r in english]  # only the headings differ
    rows = _csv(client.get(f"/api/stats?from={FIRST}&to={LAST}&format=csv&by=month&table=trend&lang=en"))
    assert {"Month", "Services handled", "Services handled (same month last year)"} <= set(rows[0])


def test_the_headings_follow_the_session_then_the_browser_language(client, reported):
    url = f"/api/stats?from={FIRST}&to={LAST}&format=csv&by=vehicle"
    assert "Vehicle" in _csv(client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}))[0]
    client.get("/lang/ja")  # the screen's language chosen: it wins over the browser's
    assert "車両" in _csv(client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}))[0]
    assert "Vehicle" in _csv(client.get(url + "&lang=en"))[0]


def test_the_excel_file_opens_with_a_sheet_per_table(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=month&format=xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert book.sheetnames == ["集計", "合計", "月別推移", "地区の到達"]
    header = [c.value for c in next(book["集計"].iter_rows(max_row=1))]
    assert header[:2] == ["年月のコード", "年月"] and "用件の合計" in header and "対応した住民（実人数）" in header
    english = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=month&format=xlsx&lang=en")
    book = load_workbook(io.BytesIO(english.data), read_only=True)
    assert book.sheetnames == ["Figures", "Total", "Trend by month", "Reach by district"]
    header = [c.value for c in next(book["Figures"].iter_rows(max_row=1))]
    assert "Services handled" in header and "Residents served (unique)" in header


def test_a_period_with_nothing_says_so_with_zeros(client, reported):
    body = client.get("/api/stats?from=2020-01-01&to=2020-01-31").json
    assert body["empty"] is True and body["totals"]["services_total"] == 0 and body["rows"] == []


@pytest.mark.parametrize(("query", "field"), [
    (f"from={LAST}&to={FIRST}", "to"),
    ("from=2020-01-01&to=2026-12-31", "to"),
    (f"from={FIRST}&to={LAST}&district=どこにもない地区", "district"),
    (f"from={FIRST}&to={LAST}&by=colour", "by"),
    (f"from={FIRST}&to={LAST}&format=pdf", "format"),
    (f"from={FIRST}&to={LAST}&format=csv&lang=fr", "lang"),
    (f"from=yesterday&to={LAST}", "from"),
])
def test_bad_input_is_a_400_naming_the_field(client, reported, query, field):
    answer = client.get(f"/api/stats?{query}")
    assert answer.status_code == 400
    assert field in answer.json["error"] or field in str(answer.json)


@pytest.mark.parametrize(("user", "status"), [("operator", 403), ("driver1", 403), ("admin", 200)])
def test_dispatchers_and_admins_only(client, user, status):
    login(client, user)
    assert client.get(f"/api/stats?from={FIRST}&to={LAST}").status_code == status
