"""The JSON API as an OpenAPI 3.1 document, made from the app's own routes.

`openapi_document` walks the app's url map: every rule under ``/api/`` becomes
a path (``<int:vehicle_id>`` → ``{vehicle_id}``, an integer path parameter),
every method an operation whose summary and description are the view's
docstring and whose ``x-roles`` are the roles of the permission table. So an
endpoint another module adds appears without editing this file; `OPERATIONS`
adds the request and answer schemas written for the main endpoints. Errors
are always ``{"error": "..."}`` (`webapp.errors`).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask

from webapp import permissions

__all__ = ["OPERATIONS", "openapi_document"]

_ARG = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_TYPES = {"int": "integer", "float": "number"}
_IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


_DAY = {"type": "string", "format": "date"}
_WINDOW = {"type": "object", "properties": {"day": _DAY, "start_s": {"type": "integer"}, "end_s": {"type": "integer"}}}

COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "Me": {"type": "object", "properties": {
            "login": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "dispatcher", "operator", "driver"]},
            "vehicle_id": {"type": ["integer", "null"]}}},
        "PlanHead": {"type": "object", "properties": {
            "id": {"type": "integer"}, "week_start": _DAY, "version": {"type": "integer"},
            "status": {"type": "string", "enum": ["draft", "published"]}, "created_at": {"type": "string"},
            "created_by": {"type": "string"}, "summary": {"type": "object"}}},
        "Shift": {"type": "object", "description": "One vehicle on one day with its stops in order",
                  "properties": {"vehicle_id": {"type": "integer"}, "day": _DAY,
                                 "stops": {"type": "array", "items": {"type": "object"}}}},
        "FeatureCollection": {"type": "object", "properties": {"type": {"const": "FeatureCollection"},
                                                               "features": {"type": "array", "items": {"type": "object"}}}},
    },
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "odekake user token LOGIN"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session",
                    "description": "Browser session (POST /api/session); writes need the X-CSRFToken header"},
    },
}

#: Schemas and parameters of the main endpoints, merged into the generated operations.
OPERATIONS: dict[str, dict[str, Any]] = {
    "api.session": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["login", "password"],
            "properties": {"login": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"200": _json(_ref("Me"))}},
    "api.me": {"responses": {"200": _json(_ref("Me"))}},
    "api.week_plan": {
        "parameters": [_query("version", "Plan version (default: the latest)", {"type": "integer"})],
        "responses": {"200": _json({"type": "object", "properties": {
            "plan": _ref("PlanHead"), "shifts": {"type": "array", "items": _ref("Shift")},
            "unassigned": {"type": "array", "items": {"type": "object", "properties": {
                "request_id": {"type": "integer"}, "reason": {"type": "string"}, "day": {"type": ["string", "null"]}}}}}})}},
    "api.routes": {
        "parameters": [_query("vehicle", "Only this vehicle", {"type": "integer"})],
        "responses": {"200": _json({"type": "object", "properties": {
            "date": _DAY, "plan": {"oneOf": [_ref("PlanHead"), {"type": "null"}]},
            "routes": {"type": "array", "items": _ref("Shift")}}})}},
    "api.shift_map": {
        "parameters": [_query("version", "Plan version (default: the latest)", {"type": "integer"})],
        "responses": {"200": _json({"type": "object", "properties": {
            "roads": _ref("FeatureCollection"), "route": _ref("FeatureCollection"),
            "stops": {"type": "array", "items": {"type": "object"}}}})}},
    "api.stop_status": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["action"],
            "properties": {"action": {"type": "string", "enum": ["arrived", "done", "not_home", "cannot_serve"]},
                           "note": {"type": "string", "description": "Required for cannot_serve"}}}}}},
        "responses": {"200": _json({"type": "object", "properties": {
            "stop_id": {"type": "integer"}, "request_id": {"type": "integer"}, "status": {"type": "string"},
            "report": {"type": "string"}}})}},
    "api.requests": {
        "parameters": [_query("status", "Request status (repeatable)"), _query("kind", "visit, session, errand or ride")],
        "responses": {"200": _json({"type": "object", "properties": {"requests": {"type": "array", "items": {
            "type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"}, "status": {"type": "string"},
                "resident_id": {"type": ["integer", "null"]}, "windows": {"type": "array", "items": _WINDOW},
                "promised": {"oneOf": [_WINDOW, {"type": "null"}]}, "received_at": {"type": "string"},
                "external_id": {"type": ["string", "null"]}}}}}})}},
    "api.residents": {
        "parameters": [_query("q", "Name, kana reading, phone or address", required=True)],
        "responses": {"200": _json({"type": "object", "properties": {"residents": {"type": "array", "items": {
            "type": "object", "properties": {name: {"type": "string"} for name in
                                             ("name", "kana", "phone", "address", "district", "notes")}
            | {"id": {"type": "integer"}}}}}})}},
    "api.roads": {
        "parameters": [_query("bbox", "south,west,north,east in degrees (at most 0.2° a side)", required=True)],
        "responses": {"200": _json({"type": "object", "properties": {
            "roads": _ref("FeatureCollection"), "too_large": {"type": "boolean"}}})}},
    "api.openapi": {"responses": {"200": _json({"type": "object", "description": "This document"})}},
    "api.cancel_seat": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"],
            "properties": {"reason": {"type": "string", "description": "Why the resident will not come"}}}}}},
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "resident": {"type": "integer"}, "session": {"type": "integer"}, "day": _DAY,
            "services": {"type": "array", "items": {"type": "string"}}, "cancelled": {"type": "boolean"},
            "cancelled_at": {"type": ["string", "null"]}, "cancel_reason": {"type": "string"},
            "cancelled_by": {"type": "string"}, "read_back": {"type": "string"}}}),
            "409": _json(_ref("Error"), "The seat was cancelled before")}},
}

_ERRORS = {"400": "Bad input; the message names the field", "401": "Not logged in",
           "403": "The role may not use this endpoint", "404": "Not found"}


def _path(rule: str) -> str:
    return _ARG.sub(lambda m: "{" + m["name"] + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    return [{"name": m["name"], "in": "path", "required": True,
             "schema": {"type": _TYPES.get(m["conv"] or "", "string")}} for m in _ARG.finditer(rule)]


def _operation(app: Flask, endpoint: str, rule: str, method: str, *, several: bool) -> dict[str, Any]:
    doc = inspect.getdoc(app.view_functions[endpoint]) or endpoint
    summary, _, description = doc.partition("\n")
    extra = OPERATIONS.get(endpoint, {})
    public = endpoint in permissions.PUBLIC
    responses = {"200": _json({"type": "object"})} | extra.get("responses", {})
    responses |= {code: _json({"$ref": "#/components/schemas/Error"}, text) for code, text in _ERRORS.items()
                  if not (public and code in ("401", "403"))}
    op: dict[str, Any] = {
        "operationId": f"{endpoint}.{method.lower()}" if several else endpoint,
        "summary": summary.strip(), "tags": [endpoint.split(".")[0]],
        "parameters": _path_parameters(rule) + extra.get("parameters", []),
        "responses": responses,
        "x-roles": "public" if public else sorted(r.value for r in permissions.PERMISSIONS.get(endpoint, ())),
    }
    if description.strip():
        op["description"] = description.strip()
    if "requestBody" in extra:
        op["requestBody"] = extra["requestBody"]
    if public:
        op["security"] = []
    return op


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every ``/api/`` route of `app`."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        methods = sorted((rule.methods or set()) - _IGNORED_METHODS)
        item = paths.setdefault(_path(rule.rule), {})
        for method in methods:
            item[method.lower()] = _operation(app, rule.endpoint, rule.rule, method, several=len(methods) > 1)
    return {
        "openapi": "3.1.0",
        "info": {"title": "odekake API", "version": "1",
                 "description": "The JSON API of the odekake scheduler. Dates are ISO (2026-12-01); times of "
                                "day are seconds. Errors are {\"error\": \"...\"} with a 4xx status."},
        "paths": paths,
        "components": COMPONENTS,
        "security": [{"bearer": []}, {"session": []}],
    }
