"""The API under bad input: the findings of issue 22 one by one.

The findings (a fuzzer's 500s: huge ids, dates near 9999, a lone surrogate,
JSON nested 100,000 deep) are each a 400 naming the field.
"""

from __future__ import annotations

import pytest

from scheduler.store import Store
from tests.webapp.conftest import WEEK
from webapp.args import DB_INT_MAX
from webapp.security import new_api_token

#: The accounts the fuzzer calls as (conftest.ACCOUNTS), in order; admin only where no other may.
ROLES = ("dispatcher", "operator", "driver1")
HUGE = 99999999999999999999


def _tokens(instance) -> dict[str, str]:
    with Store.for_instance(instance) as store:
        return {login: new_api_token(store, store.user_by_login(login)) for login in (*ROLES, "admin")}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(instance):
    """A bearer token per account."""
    return _tokens(instance)


@pytest.fixture
def api(client, tokens):
    """Call the API as a role: ``api("operator", "POST", url, json=...)``."""
    def call(login, method, url, **kwargs):
        return client.open(url, method=method, headers=_bearer(tokens[login]), **kwargs)

    return call


def _bad(response, field: str) -> None:
    __tracebackhide__ = True
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json and response.json["error"].startswith(f"{field}:"), response.json


# --------------------------------------------------------------------------- the findings, one by one


@pytest.mark.parametrize(("login", "method", "url", "field"), [
    ("dispatcher", "GET", f"/api/jobs/{HUGE}", "job_id"),
    ("dispatcher", "POST", f"/api/stops/{HUGE}/status", "stop_id"),
    ("operator", "DELETE", f"/api/bookings/{HUGE}", "request_id"),
    ("operator", "POST", f"/api/seats/{HUGE}/cancel", "booking_id"),
    ("operator", "GET", f"/api/residents/{DB_INT_MAX + 1}/sessions", "resident_id"),
    ("dispatcher", "GET", f"/api/weeks/{WEEK}/map/2026-12-01/{'9' * 5000}", "vehicle_id"),
    ("dispatcher", "GET", f"/api/weeks/{WEEK}/plan?version={HUGE}", "version"),
    ("dispatcher", "GET", f"/api/routes/2026-12-01?vehicle={HUGE}", "vehicle"),
])
def test_ids_beyond_sqlite_are_a_400_naming_the_field(api, login, method, url, field):
    """Ids in paths and numbers in queries beyond SQLite's 64-bit integers: 400 naming the argument, not 500."""
    _bad(api(login, method, url, json={"action": "arrived", "reason": "入院"}), field)


def test_the_largest_id_sqlite_holds_is_just_not_found(api):
    """2**63-1 is a possible id: the usual 404 (the limit is SQLite's, not a guess)."""
    answer = api("dispatcher", "GET", f"/api/jobs/{DB_INT_MAX}")
    assert answer.status_code == 404 and answer.is_json


def test_an_id_beyond_range_is_checked_after_the_log_in(client):
    """Without a log-in the answer is 401 whatever the id (the guard answers first)."""
    assert client.get(f"/api/jobs/{HUGE}").status_code == 401


@pytest.mark.parametrize(("login", "method", "url", "body", "field"), [
    ("dispatcher", "GET", "/api/weeks/9999-12-27/plan", None, "monday"),
    ("dispatcher", "POST", "/api/weeks/9999-12-27/plan", {}, "monday"),
    ("dispatcher", "POST", "/api/weeks/1999-12-27/plan/publish", {}, "monday"),
    ("dispatcher", "GET", "/api/weeks/2101-01-03/map/2101-01-04/1", None, "monday"),
    ("dispatcher", "GET", "/api/routes/9999-12-31", None, "day"),
    ("dispatcher", "GET", "/api/routes/0001-01-01/1/sheet.pdf", None, "day"),
    ("operator", "GET", "/api/residents/1/sessions?earliest=9999-12-30", None, "earliest"),
    ("operator", "GET", "/api/residents/1/sessions?earliest=2026-12-01&latest=9999-12-31", None, "latest"),
    ("operator", "POST", "/api/seats", {"resident": 1, "session": 1, "day": "9999-12-31"}, "day"),
    ("operator", "POST", "/api/bookings", {"draft": {"resident": 1, "kind": "visit", "services": ["residence_certificate"]},
                                           "offer": {"day": "9999-12-31", "start": "9:00", "end": "10:00"}},
     "offer.day"),
])
def test_dates_outside_the_years_the_service_plans_are_a_400(api, login, method, url, body, field):
    """Years outside 2000–2100 (9999-12-27, 0001-01-01) are refused naming the field, before any date arithmetic."""
    answer = api(login, method, url, json=body) if body is not None else api(login, method, url)
    _bad(answer, field)
    assert "2000" in answer.json["error"] and "2100" in answer.json["error"]


def test_offers_from_9999_are_refused_by_the_horizon(api):
    """A draft's days are bounded by the booking horizon (docs/BOOKING.md), named by field."""
    answer = api("operator", "POST", "/api/offers", json={"resident": 1, "kind": "visit", "services": [],
                                                          "earliest": "9999-12-30"})
    assert answer.status_code == 400 and "earliest" in answer.json["error"]


def _raw(api, login, method, url, text: str | bytes):
    return api(login, method, url, data=text, content_type="application/json")


@pytest.mark.parametrize(("text", "field", "words"), [
    ('{"name": "\\ud800", "site": 1}', "name", "lone surrogate"),
    ('{"name": "a\\udc00b", "site": 1}', "name", "lone surrogate"),
    ('{"name": "x", "site": 1, "notes": ["ok", "\\udfff"]}', "notes[1]", "lone surrogate"),
    ('{"\\ud800": 1, "name": "x"}', "body", "key"),
    ("[" * 100_000 + "]" * 100_000, "body", "nested deeper than 32"),
    ('{"name": ' + "[" * 33 + "]" * 33 + "}", "body", "nested deeper than 32"),
    ('{"name": "x", "site": 99999999999999999999}', "site", "out of range"),
    ('{"name": "x", "lat": 1e999, "lon": 140}', "lat", "too large"),
    ('{"name": "x", "lat": NaN, "lon": 140}', "body", "NaN"),
    ('{"name": "x", "site": ' + "9" * 5000 + "}", "body", "not JSON"),
    ('{"name": "x",', "body", "not JSON"),
    (b'{"name": "\xff\xfe\xfa"}', "body", "not UTF-8"),
])
def test_bodies_that_cannot_be_read_are_a_400_naming_where(api, text, field, words):
    """Invalid Unicode, deep nesting, numbers SQLite cannot hold, NaN, broken JSON: 400 naming where, not 500."""
    answer = _raw(api, "operator", "POST", "/api/residents", text)
    _bad(answer, field)
    assert words in answer.json["error"]


def test_every_view_reads_bodies_the_same_way(api):
    """Views that read a body silently (cancel: ``get_json(silent=True)``) get the same 400."""
    deep = "[" * 100_000 + "]" * 100_000
    for method, url in [("POST", "/api/offers"), ("POST", "/api/bookings"), ("DELETE", "/api/bookings/1"),
                        ("POST", "/api/seats/1/cancel"), ("POST", "/api/seats"), ("POST", "/api/session")]:
        _bad(_raw(api, "operator", method, url, deep), "body")
    _bad(_raw(api, "operator", "POST", "/api/offers", '{"resident": 1, "kind": "visit", "notes": "\\ud800"}'),
         "notes")
    _bad(_raw(api, "operator", "POST", "/api/bookings", '{"draft": {"resident": 1, "notes": "\\ud800"}}'),
         "draft.notes")
    _bad(_raw(api, "dispatcher", "POST", f"/api/weeks/{WEEK}/plan/publish", f'{{"version": {HUGE}}}'), "version")


def test_a_good_body_still_reads_as_before(api):
    """Text in any script, nesting of a real draft, big but possible numbers: read as they are."""
    answer = api("operator", "POST", "/api/offers", json={
        "resident": 1, "kind": "visit", "services": ["residence_certificate"], "earliest": "2026-12-01",
        "notes": "玄関は裏 🚪", "preferences": {"not": ["wed"], "after": "10:00"}})
    assert answer.status_code == 200, answer.json
    assert _raw(api, "operator", "POST", "/api/seats",
                f'{{"resident": {DB_INT_MAX}, "session": 1, "day": "2026-12-01"}}').status_code == 404
