"""``/api/openapi.json``: the document and the app's ``/api/`` routes are the same set, both ways."""

from __future__ import annotations

import re

from tests.webapp.conftest import login
from webapp.openapi import OPERATIONS, openapi_document

_IGNORED = {"HEAD", "OPTIONS"}


def _operations_of_app(app) -> set[tuple[str, str]]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
            ops |= {(path, m.lower()) for m in rule.methods - _IGNORED}
    return ops


def _operations_of_document(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item}


def test_every_api_route_is_documented_and_nothing_else(app, client):
    """Each /api/ route and method of the app is an operation of the served document, and vice versa."""
    login(client, "operator")
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200 and answer.is_json
    doc = answer.json
    assert doc["openapi"].startswith("3.1")
    assert _operations_of_document(doc) == _operations_of_app(app)
    assert len(doc["paths"]) >= 10


def test_documented_operations_are_well_formed(app):
    """Operations have unique ids, a summary from the docstring, declared path parameters and JSON errors."""
    with app.app_context():
        doc = openapi_document(app)
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for op in item.values():
            assert op["summary"], path
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == names, path
            assert op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    stop = doc["paths"]["/api/stops/{stop_id}/status"]["post"]
    assert stop["parameters"][0]["schema"]["type"] == "integer"
    assert stop["requestBody"]["content"]["application/json"]["schema"]["required"] == ["action"]
    assert doc["paths"]["/api/session"]["post"]["security"] == []
    assert set(OPERATIONS) <= {op["operationId"] for item in doc["paths"].values() for op in item.values()}


def test_a_route_added_later_appears_without_editing_the_generator(app):
    """An endpoint another module adds (here on the fly) is in the document with its docstring and roles."""
    def week_summary(day: str):
        """A summary of the week of a day, for the city's statistics."""

    app.add_url_rule("/api/summaries/<day>.json", "api.week_summary_test", week_summary, methods=["GET"])
    with app.app_context():
        doc = openapi_document(app)
    op = doc["paths"]["/api/summaries/{day}.json"]["get"]
    assert op["summary"] == "A summary of the week of a day, for the city's statistics." and op["x-roles"] == []


def test_api_errors_are_json_never_html(client):
    """A bad query is a JSON 400 naming the field; a page for people stays HTML."""
    login(client, "dispatcher")
    bad = client.get("/api/roads?bbox=a,b,c,d")
    assert bad.status_code == 400 and bad.mimetype == "application/json" and "bbox" in bad.json["error"]
    assert bad.json["field"] == "bbox" and bad.json["message"].startswith("地図の範囲")  # worded in the session's language
    assert client.get("/masters/vehicles/9999").mimetype == "text/html"


def _resolved(doc, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _validator(doc, schema: dict):
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})


def test_every_call_that_takes_a_body_documents_it(app):
    """Every POST and DELETE of the API documents its JSON body's properties (a fuzzer fills only what it knows)."""
    with app.app_context():
        doc = openapi_document(app)
    writes = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()
              if method in ("post", "put", "patch", "delete")]
    assert len(writes) >= 10
    for path, method, op in writes:
        schema = _resolved(doc, op["requestBody"]["content"]["application/json"]["schema"])
        assert schema["type"] == "object" and schema["properties"], (method, path)
    bookings = doc["paths"]["/api/bookings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert bookings["properties"]["second_need"] == {"type": "boolean", "description": bookings["properties"][
        "second_need"]["description"]} and bookings["required"] == ["draft", "offer"]
    assert doc["paths"]["/api/bookings/{request_id}"]["delete"]["requestBody"]["content"]["application/json"][
        "schema"]["required"] == ["reason"]


def test_the_documented_bodies_take_the_documented_examples(app):
    """The drafts of docs/examples/drafts/ and each body's own example match the document's schemas."""
    import json
    from pathlib import Path

    with app.app_context():
        doc = openapi_document(app)
    draft = _validator(doc, {"$ref": "#/components/schemas/Draft"})
    examples = sorted((Path(__file__).parents[2] / "docs" / "examples" / "drafts").glob("*.json"))
    assert len(examples) == 3
    for path in examples:
        errors = [e.message for e in draft.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, (path.name, errors)
    assert not draft.is_valid({"resident": 1, "kind": "visit", "window_min": 5})
    for path, item in doc["paths"].items():
        for method, op in item.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema and "example" in _resolved(doc, schema):
                example = _resolved(doc, schema)["example"]
                assert _validator(doc, schema).is_valid(example), (method, path, example)


def test_path_ids_and_days_are_described_as_the_app_reads_them(app):
    """Ids in paths are SQLite's integers (0 to 2**63-1); ``monday`` and ``day`` are ISO dates."""
    with app.app_context():
        doc = openapi_document(app)
    params = {p["name"]: p["schema"] for item in doc["paths"].values() for op in item.values()
              for p in op["parameters"] if p["in"] == "path"}
    assert params["job_id"]["maximum"] == 2**63 - 1 and params["job_id"]["minimum"] == 0
    assert params["monday"]["format"] == params["day"]["format"] == "date"


def test_a_method_an_api_path_lacks_is_a_json_405(client):
    """A method a path does not take: 405 in JSON, like every API error."""
    login(client, "dispatcher")
    answer = client.put("/api/me")
    assert answer.status_code == 405 and answer.is_json and "error" in answer.json


def test_job_kinds_are_documented_as_stored(app):
    """A job's ``kind`` in the document is the stored vocabulary (scheduler.plan_job.JOB_KINDS), week_plan included."""
    from scheduler.plan_job import DAY_JOB_KINDS, JOB_KINDS

    paths = openapi_document(app)["paths"]

    def kinds(schema):
        return schema["properties"]["kind"]["enum"]

    def answer(path, method, code):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]

    assert kinds(answer("/api/jobs/{job_id}", "get", "200")) == list(JOB_KINDS)
    assert kinds(answer("/api/weeks/{monday}/plan", "post", "202")["properties"]["job"]) == ["week_plan"]
    assert set(kinds(answer("/api/days/{day}/replan", "post", "202")["properties"]["job"])) == DAY_JOB_KINDS
