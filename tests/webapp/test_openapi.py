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
    assert bad.status_code == 400 and bad.json == {"error": bad.json["error"]} and "bbox" in bad.json["error"]
    assert client.get("/masters/vehicles/9999").mimetype == "text/html"
