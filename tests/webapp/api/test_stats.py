"""``GET /api/stats`` (issue 27): JSON, CSV with a BOM, Excel with a sheet per table, bad input, who may ask."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.webapp.conftest import WEEK, login

FIRST, LAST = WEEK.replace(day=1), WEEK.replace(month=WEEK.month + 1, day=28)


@pytest.fixture
def reported(client, route, app, store):
    """Driver 1 reports their first day done (what was asked for, once each); the dispatcher logs in."""
    from scheduler.evidence.records import report_at_stop

    day, stops = route
    for stop in stops:
        report_at_stop(store, stop.id, "done", user="driver1", today=day, now=dt.datetime.combine(day, dt.time(23)))
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T23:00"
    login(client, "dispatcher")
    return stops


def test_the_json_rows_sum_to_the_totals(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=vehicle")
    assert answer.status_code == 200
    body = answer.json
    assert body["empty"] is False and body["totals"]["services_total"] > 0
    assert sum(r["services_total"] for r in body["rows"]) == body["totals"]["services_total"]
    assert {"rows", "totals", "trend", "reach"} <= set(body)


def test_the_csv_has_a_byte_order_mark_and_a_header(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=service&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0]["key"] is not None and "services_total" in rows[0]
    assert sum(int(r["services_total"]) for r in rows) == client.get(
        f"/api/stats?from={FIRST}&to={LAST}").json["totals"]["services_total"]


def test_the_excel_file_opens_with_a_sheet_per_table(client, reported):
    answer = client.get(f"/api/stats?from={FIRST}&to={LAST}&by=month&format=xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert book.sheetnames == ["集計", "合計", "月別推移", "地区の到達"]
    header = [c.value for c in next(book["集計"].iter_rows(max_row=1))]
    assert "services_total" in header and "unique_residents" in header


def test_a_period_with_nothing_says_so_with_zeros(client, reported):
    body = client.get("/api/stats?from=2020-01-01&to=2020-01-31").json
    assert body["empty"] is True and body["totals"]["services_total"] == 0 and body["rows"] == []


@pytest.mark.parametrize(("query", "field"), [
    (f"from={LAST}&to={FIRST}", "to"),
    ("from=2020-01-01&to=2026-12-31", "to"),
    (f"from={FIRST}&to={LAST}&district=どこにもない地区", "district"),
    (f"from={FIRST}&to={LAST}&by=colour", "by"),
    (f"from={FIRST}&to={LAST}&format=pdf", "format"),
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
