"""The API under bad input: the findings of issue 22 one by one, then schemathesis over the whole document.

The findings (a fuzzer's 500s: huge ids, dates near 9999, a lone surrogate,
JSON nested 100,000 deep) are each a 400 naming the field. Then
`test_api_fuzz`: schemathesis 4 in-process over the WSGI app, every operation
of ``/api/openapi.json`` with the bearer token of each role allowed to use it
(bodies as the document describes them, and bodies it refuses), deterministic
(``derandomize``) on the fixed test clock: no 5xx, every answer of an error
is JSON ``{"error": ...}``, and a 400 names the field (a parameter, a body
property or ``body``). ``python -m benchmarks fuzz`` runs the same test longer
(`EXAMPLES_ENV`) and gathers the figures (`STATS_ENV`).
"""

from __future__ import annotations

import collections
import json
import os
import re
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from scheduler.store import Store
from tests.webapp.conftest import (
    ACCOUNTS,
    PASSWORD,
    TEST_CONFIG,
    WEEK,
    csrf_token,
    login,
)
from webapp.args import DB_INT_MAX
from webapp.openapi import openapi_document
from webapp.security import new_api_token

#: Examples per operation and generation mode (``python -m benchmarks fuzz`` sets more).
EXAMPLES_ENV = "ODEKAKE_FUZZ_EXAMPLES"
#: A file to write the figures to as JSON (the benchmark); failures are then counted, not raised.
STATS_ENV = "ODEKAKE_FUZZ_STATS"
EXAMPLES = int(os.environ.get(EXAMPLES_ENV, "6"))
#: The longer run (`EXAMPLES_ENV` set): the whole sample week and every phase of schemathesis.
FULL = EXAMPLES_ENV in os.environ
#: The share of the sample week loaded: a tenth in ``make test`` (offers take 80 ms instead of 300).
SCALE = 1.0 if FULL else 0.1
#: The accounts the fuzzer calls as (conftest.ACCOUNTS), in order; admin only where no other may.
ROLES = ("dispatcher", "operator", "driver1")
HUGE = 99999999999999999999


def _tokens(instance) -> dict[str, str]:
    with Store.for_instance(instance) as store:
        return {name: new_api_token(store, store.users.by_login(name)) for name in (*ROLES, "admin")}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(instance):
    """A bearer token per account."""
    return _tokens(instance)


@pytest.fixture
def api(client, tokens):
    """Call the API as an account: ``api("operator", "POST", url, json=...)``."""
    def call(who, method, url, **kwargs):
        return client.open(url, method=method, headers=_bearer(tokens[who]), **kwargs)

    return call


def _bad(response, field: str) -> None:
    __tracebackhide__ = True
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json and response.json["error"].startswith(f"{field}:"), response.json


# --------------------------------------------------------------------------- the findings, one by one


@pytest.mark.parametrize(("who", "method", "url", "field"), [
    ("dispatcher", "GET", f"/api/jobs/{HUGE}", "job_id"),
    ("dispatcher", "POST", f"/api/stops/{HUGE}/status", "stop_id"),
    ("operator", "DELETE", f"/api/bookings/{HUGE}", "request_id"),
    ("operator", "POST", f"/api/seats/{HUGE}/cancel", "booking_id"),
    ("operator", "GET", f"/api/residents/{DB_INT_MAX + 1}/sessions", "resident_id"),
    ("dispatcher", "GET", f"/api/weeks/{WEEK}/map/2026-12-01/{'9' * 5000}", "vehicle_id"),
    ("dispatcher", "GET", f"/api/weeks/{WEEK}/plan?version={HUGE}", "version"),
    ("dispatcher", "GET", f"/api/routes/2026-12-01?vehicle={HUGE}", "vehicle"),
])
def test_ids_beyond_sqlite_are_a_400_naming_the_field(api, who, method, url, field):
    """Ids in paths and numbers in queries beyond SQLite's 64-bit integers: 400 naming the argument, not 500."""
    _bad(api(who, method, url, json={"action": "arrived", "reason": "入院"}), field)


def test_the_largest_id_sqlite_holds_is_just_not_found(api):
    """2**63-1 is a possible id: the usual 404 (the limit is SQLite's, not a guess)."""
    answer = api("dispatcher", "GET", f"/api/jobs/{DB_INT_MAX}")
    assert answer.status_code == 404 and answer.is_json


def test_an_id_beyond_range_is_checked_after_the_log_in(client):
    """Without a log-in the answer is 401 whatever the id (the guard answers first)."""
    assert client.get(f"/api/jobs/{HUGE}").status_code == 401


@pytest.mark.parametrize(("who", "method", "url", "body", "field"), [
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
def test_dates_outside_the_years_the_service_plans_are_a_400(api, who, method, url, body, field):
    """Years outside 2000–2100 (9999-12-27, 0001-01-01) are refused naming the field, before any date arithmetic."""
    answer = api(who, method, url, json=body) if body is not None else api(who, method, url)
    _bad(answer, field)
    assert "2000" in answer.json["error"] and "2100" in answer.json["error"]


def test_offers_from_9999_are_refused_by_the_horizon(api):
    """A draft's days are bounded by the booking horizon (docs/BOOKING.md), named by field."""
    answer = api("operator", "POST", "/api/offers", json={"resident": 1, "kind": "visit", "services": [],
                                                          "earliest": "9999-12-30"})
    assert answer.status_code == 400 and "earliest" in answer.json["error"]


def _raw(api, who, method, url, text: str | bytes):
    return api(who, method, url, data=text, content_type="application/json")


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


def test_what_the_fuzzer_found_is_named_too(api, store):
    """Found by `test_api_fuzz`: a service that is not text, an errand's shops, a second cancel (409, not 400)."""
    draft = {"resident": 1, "kind": "visit", "earliest": "2026-12-01"}
    _bad(api("operator", "POST", "/api/offers", json=draft | {"services": [{}]}), "draft: services[0]")
    _bad(api("operator", "POST", "/api/offers", json=draft | {"services": []}), "draft: services")
    _bad(api("operator", "POST", "/api/offers", json=draft | {"kind": "errand", "shops": ["x"]}), "draft: shops")
    _bad(api("operator", "POST", "/api/bookings", json={"draft": draft | {"services": [[None]]}, "offer": 1}),
         "draft: services[0]")
    promised = next(r.id for r in store.requests.all() if r.promised is not None)
    assert api("operator", "DELETE", f"/api/bookings/{promised}", json={"reason": "入院"}).status_code == 200
    again = api("operator", "DELETE", f"/api/bookings/{promised}", json={"reason": "入院"})
    assert again.status_code == 409 and "cancelled" in again.json["error"] and again.json["status"] == "cancelled"


def test_the_operators_screens_read_numbers_the_same_way(client):
    """The booking screens: a shop or a session id beyond SQLite's integers is shown by field (400), not a 500.

    Worded in the screen's language (Japanese), the field by its label (目印, 巡回).
    """
    login(client, "operator")
    token = csrf_token(client)
    errand = client.post("/booking/residents/1/requests/errand", data={
        "csrf_token": token, "shop_site_1": str(HUGE), "shop_boxes_1": "1", "earliest": "2026-12-01"})
    assert errand.status_code == 400 and "目印: &#39;99999999999999999999&#39; という拠点はありません" in errand.text
    seat = client.post("/booking/residents/1/sessions", data={"csrf_token": token, "session": str(HUGE),
                                                               "day": "2026-12-01"})
    assert seat.status_code == 400 and "巡回: 99999999999999999999 は大きすぎます" in seat.text  # the screen's words


# --------------------------------------------------------------------------- schemathesis over the document


class FuzzStats:
    """Requests and failures per operation and role (written to `STATS_ENV` when set)."""

    def __init__(self) -> None:
        self.requests: collections.Counter[str] = collections.Counter()
        self.statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
        self.failures: dict[str, list[str]] = collections.defaultdict(list)
        self.seconds: collections.Counter[str] = collections.Counter()
        self.phases: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

    def as_json(self) -> dict:
        return {"examples": EXAMPLES,
                "operations": {op: {"requests": n, "statuses": dict(self.statuses[op]),
                                    "seconds": round(self.seconds[op], 2), "phases": dict(self.phases[op]),
                                    "failures": self.failures.get(op, [])} for op, n in sorted(self.requests.items())}}


def _names(schema, components: dict, out: set[str]) -> set[str]:
    """Every property name in a JSON schema (nested), following the document's component references."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            _names(components[ref.rsplit("/", 1)[1]], components, out)
        for key, value in schema.items():
            if key == "properties":
                out |= set(value)
            _names(value, components, out)
    elif isinstance(schema, list):
        for item in schema:
            _names(item, components, out)
    return out


def _fields(doc: dict) -> dict[tuple[str, str], set[str]]:
    """The names a 400 of each operation may name: its parameters, its body's properties, ``body``."""
    components = doc["components"]["schemas"]
    return {(path, method.upper()): _names(op.get("requestBody", {}), components,
                                           {p["name"] for p in op["parameters"]} | {"body"})
            for path, item in doc["paths"].items() for method, op in item.items()}


_NAMED = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:[\[./:\s]|$)")


@pytest.fixture
def fuzz_app(sample_instance, tmp_path, monkeypatch):
    """The app on the sample week at `SCALE` (offers cost in proportion), planned and published, with the accounts.

    The stop sheet's PDF printer is a stub here (WeasyPrint takes seconds a page; test_sheet.py prints
    for real): the sheet's inputs are read and checked as always.
    """
    from flask import Response

    from tests.conftest import planned_sample_copy
    from webapp import create_app
    from webapp.cli.user import add_user

    store, _ = planned_sample_copy(sample_instance, tmp_path, WEEK, scale=SCALE)
    with store:
        for name, (role, vehicle) in ACCOUNTS.items():
            add_user(store, name, role.value, vehicle_id=vehicle, password=PASSWORD)
    monkeypatch.setattr("webapp.api.sheet_pdf", lambda sheet: Response(b"%PDF-1.7 stub", mimetype="application/pdf"))
    return create_app(tmp_path, test_config=dict(TEST_CONFIG))


@pytest.fixture
def fuzz_schema(fuzz_app):
    """The served document, loaded by schemathesis in-process (`from_wsgi`), with what the test needs."""
    tokens = _tokens(fuzz_app.instance_path)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app, headers=_bearer(tokens["admin"]))
    if not FULL:  # the longer run only: the coverage phase's valid variants (each valid draft asks for
        # offers) and its calls with methods an operation lacks (405, checked once per path in test_openapi.py)
        schema.config.phases.coverage.generation.modes = [GenerationMode.NEGATIVE]
        schema.config.phases.coverage.unexpected_methods = set()
    with fuzz_app.app_context():
        doc = openapi_document(fuzz_app)
    schema.odekake = {"tokens": tokens, "doc": doc, "fields": _fields(doc), "stats": FuzzStats()}
    yield schema
    if os.environ.get(STATS_ENV):
        with open(os.environ[STATS_ENV], "w", encoding="utf-8") as f:
            json.dump(schema.odekake["stats"].as_json(), f, ensure_ascii=False, indent=1)


lazy = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32's lazy schemas read and rename ``node._nodeid``, which pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _error_of(response) -> str | None:
    """The ``error`` text of a JSON answer, else None."""
    kinds = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    if not any(kind.startswith("application/json") for kind in kinds):
        return None
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, str) else None


def _sent_names(value, out: set[str]) -> set[str]:
    """Every key of a JSON body as sent (an error may name a key the client made up)."""
    if isinstance(value, dict):
        out |= set(value)
        for item in value.values():
            _sent_names(item, out)
    elif isinstance(value, list):
        for item in value:
            _sent_names(item, out)
    return out


def _named(error: str, names: set[str]) -> bool:
    """Whether a 400's text starts with a name of `names` (``draft: `` first is the booking's draft)."""
    m = _NAMED.match(error)
    if m is None:
        return False
    if m["name"] in names:
        return True
    rest = error[len("draft: "):] if error.startswith("draft: ") else None
    return rest is not None and (m := _NAMED.match(rest)) is not None and m["name"] in names


def _problem(case, response, fields: set[str]) -> str | None:
    """What is wrong with an answer, or None: a 5xx, an error that is not JSON, a 400 naming no field.

    A 400 names a parameter, a property of the documented body, a key the body sent, ``body``, or the
    record of an id in the path (``stop 1: ...`` for ``{stop_id}``).
    """
    if response.status_code >= 500:
        return f"{response.status_code} {response.text_lossy()[:200]}"
    if response.status_code >= 400:
        error = _error_of(response)
        if error is None:
            return f"{response.status_code} without a JSON error: {response.text_lossy()[:200]}"
        names = fields | _sent_names(case.body, set()) | {n.removesuffix("_id") for n in case.path_parameters or {}}
        if response.status_code == 400 and not _named(error, names):
            return f"400 naming no field of the operation: {error[:200]}"
    return None


@lazy.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_fuzz(case, fuzz_schema):
    """No input the document allows or refuses gets a 5xx; every error is JSON naming what was wrong."""
    extra = fuzz_schema.odekake
    op = case.operation
    definition = extra["doc"]["paths"][op.path][op.method.lower()]
    allowed = definition["x-roles"]  # "public" (the log-in) or the roles of the permission table
    accounts = [name for name in ROLES if allowed != "public" and name.rstrip("0123456789") in allowed] or ["admin"]
    fields = extra["fields"][op.path, op.method.upper()]
    stats = extra["stats"]
    key = f"{op.method.upper()} {op.path}"
    for account in accounts:
        started = time.perf_counter()
        response = case.call(headers=_bearer(extra["tokens"][account]))
        stats.seconds[key] += time.perf_counter() - started
        stats.requests[key] += 1
        stats.statuses[key][response.status_code] += 1
        stats.phases[key][f"{case.meta.phase.name.value}/{case.meta.generation.mode.value}"] += 1
        problem = _problem(case, response, fields)
        if problem is None:
            continue
        text = f"{account}: {case.as_curl_command()[:300]} -> {problem}"
        if os.environ.get(STATS_ENV):
            stats.failures[key].append(text)
        else:
            pytest.fail(text)
