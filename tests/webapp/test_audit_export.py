"""The audit export for the data-protection officer: who viewed or changed which resident's data, per period.

``GET /api/audit.csv?from=&to=``, the masters page 監査ログ and ``odekake audit export`` write the same
CSV (UTF-8 with BOM, ISO dates, ids only); admins only; every export is itself in the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from click.testing import CliRunner

from scheduler.accounts import AuditEntry
from scheduler.domain import city_id
from scheduler.io.audit_export import COLUMNS, MAX_DAYS
from tests.webapp.conftest import login
from webapp.cli import cli

DAY = dt.datetime(2026, 10, 14, 10, 30)


def _seed(store) -> dict:
    """Entries of known times: a view of two residents, a change of a request, a log-in; one outside the period."""
    request = next(r for r in store.requests.all() if r.resident_id is not None)
    residents = [r.id for r in store.residents.all()[:2]]
    ids = {"view": store.audit_log.add(AuditEntry("operator", "view", "resident", tuple(residents), "booking.resident",
                                          at=DAY)).id,
           "change": store.audit_log.add(AuditEntry("operator", "change", "request", (request.id,), "api.bookings",
                                            at=DAY + dt.timedelta(hours=1))).id,
           "login": store.audit_log.add(AuditEntry("", "login_failed", "user", (), "auth.login", address="192.0.2.7",
                                           at=dt.datetime(2026, 10, 31, 23, 59, 59))).id,
           "outside": store.audit_log.add(AuditEntry("dispatcher", "view", "resident", (residents[0],), "dispatch.week",
                                             at=dt.datetime(2026, 11, 1, 0, 0))).id}
    return {"ids": ids, "request": request, "residents": [store.residents.get(i) for i in residents]}


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_admin_downloads_who_saw_which_resident_in_the_period(app, store):
    """One row per record an entry names, with the resident's city id (a request's resident too); ISO times."""
    seeded = _seed(store)
    client = app.test_client()
    login(client, "admin")
    answer = client.get("/api/audit.csv?from=2026-10-01&to=2026-10-31")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="audit-2026-10-01-2026-10-31.csv"'
    text = answer.get_data().decode("utf-8")
    assert text.splitlines()[0] == "\ufeff" + ",".join(COLUMNS)
    rows = _rows(text)
    assert [(r["action"], r["subject"]) for r in rows] == [("view", "resident")] * 2 + [
        ("change", "request"), ("login_failed", "user")]
    first, second = seeded["residents"]
    assert rows[0] == {"at": "2026-10-14T10:30:00", "user": "operator", "action": "view", "subject": "resident",
                       "subject_id": str(first.id), "resident_id": city_id(first), "resident_db_id": str(first.id),
                       "where": "booking.resident", "address": "", "entry": str(seeded["ids"]["view"])}
    assert rows[1]["resident_id"] == city_id(second)
    request = seeded["request"]
    assert rows[2]["subject_id"] == str(request.id) and rows[2]["resident_db_id"] == str(request.resident_id)
    assert rows[2]["resident_id"] == city_id(store.residents.get(request.resident_id))
    assert rows[3]["at"] == "2026-10-31T23:59:59" and rows[3]["subject_id"] == rows[3]["resident_id"] == ""
    assert rows[3]["address"] == "192.0.2.7"
    assert "2026-11-01" not in text  # the next day's entry is not in the period
    assert all(r.name not in text for r in seeded["residents"])  # ids only, never names


def test_the_export_is_audited_with_the_entries_it_took_out(app, store):
    """Who exported, when, from where, and which entries: an ``export`` of ``audit_log``."""
    seeded = _seed(store)
    client = app.test_client()
    login(client, "admin")
    assert client.get("/api/audit.csv?from=2026-10-01&to=2026-10-31").status_code == 200
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.user, entry.action, entry.subject, entry.where) == ("admin", "export", "audit_log", "api.audit_csv")
    wanted = {seeded["ids"][k] for k in ("view", "change", "login")}
    assert set(entry.subject_ids) == wanted


def test_a_wrong_period_is_a_400_naming_the_field(app):
    """Missing, unreadable or reversed dates, a period too long, years outside 2000-2100: 400 naming the field."""
    client = app.test_client()
    login(client, "admin")
    for query, field in [("to=2026-10-31", "from"), ("from=2026-10-01", "to"), ("from=2026-13-01&to=2026-10-31", "from"),
                         ("from=2026-10-31&to=2026-10-01", "to"), ("from=2025-01-01&to=2026-10-31", "to"),
                         ("from=2026-10-01&to=9999-12-31", "to")]:
        answer = client.get(f"/api/audit.csv?{query}")
        assert answer.status_code == 400 and answer.json["error"].startswith(f"{field}:"), (query, answer.json)
    assert f"at most {MAX_DAYS} days" in client.get("/api/audit.csv?from=2025-01-01&to=2026-10-31").json["error"]


def test_only_admins_reach_it(app):
    """Dispatchers and operators see residents but not the audit log (the permission table; every role in
    test_permissions.py)."""
    client = app.test_client()
    login(client, "dispatcher")
    assert client.get("/api/audit.csv?from=2026-10-01&to=2026-10-31").status_code == 403
    assert client.get("/masters/audit").status_code == 403
    assert "/masters/audit" not in client.get("/masters/").text


def test_the_masters_page_offers_last_month_and_downloads(app, store):
    """監査ログ: last month by the city's clock (the tests' 2026-11-27), the download, a wrong date beside its field."""
    _seed(store)
    client = app.test_client()
    login(client, "admin")
    assert "/masters/audit" in client.get("/masters/").text
    page = client.get("/masters/audit")
    assert page.status_code == 200 and "監査ログ" in page.text
    assert 'value="2026-10-01"' in page.text and 'value="2026-10-31"' in page.text
    download = client.get("/masters/audit?from=2026-10-01&to=2026-10-31&download=1")
    assert download.status_code == 200 and download.mimetype == "text/csv" and len(_rows(download.text)) == 4
    assert store.audit_log.latest(limit=1)[0].where == "masters.audit"
    wrong = client.get("/masters/audit?from=2026-10-31&to=2026-10-01&download=1")
    assert wrong.status_code == 400 and wrong.mimetype == "text/html"
    assert 'id="audit-to-error"' in wrong.text and "is before from" in wrong.text


def test_the_command_writes_the_same_file_and_is_audited(instance, store):
    """``odekake audit export --from --to FILE``: the same CSV, one line on standard error, an audit entry."""
    seeded = _seed(store)
    out = instance.parent / "audit.csv"
    result = CliRunner().invoke(cli, ["--instance", str(instance), "audit", "export", "--from", "2026-10-01",
                                      "--to", "2026-10-31", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 audit entries, 4 rows" in result.output
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r["entry"] for r in rows] == [str(seeded["ids"][k]) for k in ("view", "view", "change", "login")]
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.action, entry.subject, entry.where) == ("export", "audit_log", "cli")
    bad = CliRunner().invoke(cli, ["--instance", str(instance), "audit", "export", "--from", "2026-10-31",
                                   "--to", "2026-10-01", str(out)])
    assert bad.exit_code == 2 and "to: 2026-10-01 is before from 2026-10-31" in bad.output


def test_a_login_typed_as_a_formula_is_text_in_the_file(app, store):
    """A failed log-in's typed name ``=HYPERLINK(...)`` lands in the log: the file shows it as text, never a formula."""
    store.audit_log.add(AuditEntry("=HYPERLINK(\"http://x\")", "login_failed", "user", (), "auth.login",
                                   address="-1+1", at=DAY))
    client = app.test_client()
    login(client, "admin")
    rows = _rows(client.get("/api/audit.csv?from=2026-10-01&to=2026-10-31").get_data().decode("utf-8"))
    assert [(r["user"], r["address"]) for r in rows if r["action"] == "login_failed"] == [
        ("'=HYPERLINK(\"http://x\")", "'-1+1")]
