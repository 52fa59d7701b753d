"""The JSON API as an OpenAPI 3.1 document, made from the app's own routes.

`openapi_document` walks the app's url map: every rule under ``/api/`` becomes
a path (``<int:vehicle_id>`` → ``{vehicle_id}``, an integer path parameter),
every method an operation whose summary and description are the view's
docstring and whose ``x-roles`` are the roles of the permission table. So an
endpoint another module adds appears without editing this file; `OPERATIONS`
adds the request and answer schemas written by hand: the JSON body of every
call that takes one (``tests/webapp/test_openapi.py`` checks each POST and
DELETE has one; the draft of docs/BOOKING.md is ``components/schemas/Draft``),
so a fuzzer reaches what they read (``tests/webapp/test_fuzz.py``). Path ids
are SQLite's integers (`webapp.args`), ``monday`` and ``day`` ISO dates. Errors
are always ``{"error": "..."}`` (`webapp.errors`), a 400 naming the field.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask

from scheduler.domain import TEXT_LIMIT, TEXT_LIMITS
from scheduler.plan_job import DAY_JOB_KINDS, JOB_KINDS
from webapp import permissions
from webapp.args import DB_INT_MAX

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
_TIME = {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$", "description": "A time of day, 8:30"}
_ID_OR_CITY_ID = {"type": ["integer", "string"], "description": "The city's id (text, SAMPLE-R010) or the database id"}
_COUNT = {"type": "integer", "minimum": 0, "maximum": 999}
_WINDOW = {"type": "object", "properties": {"day": _DAY, "start_s": {"type": "integer"}, "end_s": {"type": "integer"}}}
#: A day re-planned (scheduler.planning.replan_jobs.replan_json): a day job's ``result.replans`` items.
_REPLAN = {"type": "object", "properties": {
    "week": _DAY, "version": {"type": "integer"}, "status": {"type": "string"}, "day": _DAY,
    "moved": {"type": "integer", "description": "told residents moved beyond the margin or left out"},
    "served": {"type": "integer"}, "unassigned": {"type": "integer"}, "derived_from": {"type": "integer"},
    "diff": {"type": "object"}, "calls": {"type": "array", "items": {"type": "object"}}}}


#: A day job queued (re-plan, outage, closed road): ``GET /api/jobs/<id>``'s ``result`` once done.
_DAY_JOB = _json({"type": "object", "properties": {"job": {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": [k for k in JOB_KINDS if k in DAY_JOB_KINDS]},
    "days": {"type": "array", "items": _DAY}, "state": {"type": "string"},
    "result": {"type": ["object", "null"], "description": "Once done: versions, replans (each a day re-planned: "
               "version, moved, diff, calls); an outage's exceptions and skipped_days", "properties": {
        "versions": {"type": "array", "items": {"type": "integer"}},
        "replans": {"type": "array", "items": _REPLAN}}}}}}}, "Queued (Location: GET /api/jobs/<id>)")
_DAY_JOB_BUSY = _json({"type": "object", "properties": {
    "error": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"},
    "job_id": {"type": "integer"}, "job": {"type": "object"}}}, "A day job holds one of the days (that job)")


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _reason(what: str) -> dict[str, Any]:
    return _body({"type": "object", "required": ["reason"],
                  "properties": {"reason": {"type": "string", "minLength": 1, "description": what}},
                  "example": {"reason": "入院"}})

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
        "Draft": {
            "type": "object", "required": ["resident", "kind"],
            "description": "What the resident asks for, before any promise (docs/BOOKING.md, \"Draft format\")",
            "properties": {
                "resident": _ID_OR_CITY_ID,
                "kind": {"type": "string", "enum": ["visit", "errand", "ride"]},
                "services": {"type": "array", "items": {"type": "string"}, "description": "visit: service codes"},
                "shops": {"type": "array", "description": "errand: the shops to pick up from", "items": {
                    "type": "object", "required": ["site"],
                    "properties": {"site": _ID_OR_CITY_ID, "boxes": {"type": "integer", "minimum": 1},
                                   "ready": _TIME}}},
                "items": {"type": "string", "maxLength": TEXT_LIMIT, "description": "errand: what to pick up"},
                "amount_yen": {"type": "integer", "minimum": 0, "description": "errand: the amount to collect"},
                "chilled": {"type": "boolean", "description": "errand: a cool box is needed"},
                "ride": {"type": "object", "description": "ride: from and to (\"home\" or a site)", "properties": {
                    "from": _ID_OR_CITY_ID, "to": _ID_OR_CITY_ID, "seats": {"type": "integer", "minimum": 1},
                    "wheelchair": {"type": "boolean"}, "max_ride_min": {"type": "integer", "minimum": 1}}},
                "earliest": _DAY | {"description": "From today (the city's) to the booking horizon"},
                "latest": _DAY,
                "preferences": {"type": "object", "additionalProperties": False, "properties": {
                    "mornings": {"type": "boolean"}, "afternoons": {"type": "boolean"},
                    "not": {"type": "array", "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}},
                    "after": _TIME, "before": _TIME}},
                "window_min": {"type": "integer", "minimum": 10, "maximum": 480},
                "offers": {"type": "integer", "minimum": 1, "maximum": 20},
                "notes": {"type": "string", "maxLength": TEXT_LIMIT}},
            "example": {"resident": 1, "kind": "visit", "services": ["residence_certificate"],
                        "earliest": "2026-12-01", "latest": "2026-12-04"}},
        "Offer": {"type": "object", "properties": {"day": _DAY, "start": _TIME, "end": _TIME}},
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
        "requestBody": _body({
            "type": "object", "required": ["action"],
            "properties": {"action": {"type": "string", "enum": ["arrived", "done", "not_home", "cannot_serve"]},
                           "note": {"type": "string", "description": "Required for cannot_serve"},
                           "at": {"type": "string", "description": "When it happened: ISO 8601 with its offset "
                                  "(default now); on the stop's day, not in the future"},
                           "handled": {"type": "object", "description": "done at a visit, session or drop-off: what "
                                       "was handled (default: what was asked for, once each)", "properties": {
                               "services": {"type": "object", "additionalProperties": _COUNT},
                               "walk_ins": {"type": "object", "additionalProperties": _COUNT},
                               "boxes": _COUNT, "passengers": _COUNT,
                               "collected_yen": {"type": "integer", "minimum": 0, "maximum": 10_000_000}}}},
            "example": {"action": "arrived"}}),
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
    "api.call_outcome": {
        "requestBody": _body({
            "type": "object", "required": ["outcome"],
            "properties": {"outcome": {"type": "string", "enum": ["informed", "no_answer", "accepted", "cancel"],
                                       "description": "連絡済み / 不在・折返し待ち / 変更了承 / 取消希望 (cancels the request)"},
                           "note": {"type": "string", "maxLength": TEXT_LIMIT}},
            "example": {"outcome": "informed", "note": "11時半ごろで了承"}}),
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "request_id": {"type": "integer"}, "stop_id": {"type": "integer"},
            "outcome": {"type": "string"}, "at": {"type": "string"}}})}},
    "api.move_request": {
        "requestBody": _body({
            "type": "object", "required": ["vehicle", "day"],
            "properties": {"vehicle": {"type": "integer", "minimum": 1}, "day": _DAY,
                           "preview": {"type": "boolean", "description": "answer without saving"}},
            "example": {"vehicle": 2, "day": "2026-12-01", "preview": True}}),
        "responses": {"200": _json({"type": "object", "properties": {
            "request_id": {"type": "integer"}, "vehicle": {"type": "integer"}, "day": _DAY,
            "saved": {"type": "boolean"}, "version": {"type": ["integer", "null"]},
            "times": {"type": "array", "items": {"type": "object"}},
            "breaks": {"type": "array", "items": {"type": "object"}}}}),
                      "409": _json({"type": "object", "properties": {
                          "error": {"type": "string"}, "message": {"type": "string"},
                          "codes": {"type": "array", "items": {"type": "string"}}}}, "Refused, nothing saved")}},
    "api.closure_add": {
        "requestBody": _body({
            "type": "object", "required": ["from", "until"],
            "description": "The road: way_ids, or points (the fastest road between two points); exactly one",
            "properties": {
                "way_ids": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
                "points": {"type": "array", "minItems": 2, "maxItems": 2, "items": {
                    "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}}},
                "from": {"type": "string", "description": "ISO 8601; without an offset, the city's time"},
                "until": {"type": "string", "description": "ISO 8601, after from"},
                "note": {"type": "string", "maxLength": TEXT_LIMIT}},
            "example": {"way_ids": [123456], "from": "2026-12-01T08:00", "until": "2026-12-03T17:00",
                        "note": "積雪"}}),
        "responses": {"201": _json({"type": "object", "properties": {
            "closure": {"type": "object"}, "affects": {"type": "object", "properties": {
                "week": _DAY, "published": {"type": "boolean"}, "roads": {"type": "integer"},
                "places": {"type": "integer"}, "pairs": {"type": "integer"},
                "unreachable": {"type": "object", "properties": {
                    "sites": {"type": "array", "items": {"type": "string"}},
                    "residents": {"type": "array", "items": {"type": "string"}}}}}},
            "replan": {"type": "object", "description": "The published days it touches (a leg still to drive "
                       "changed or cut), re-planned by a day job of kind closure", "properties": {
                "days": {"type": "array", "items": _DAY}, "legs": {"type": "integer"},
                "unreachable_stops": {"type": "array", "items": {"type": "object", "properties": {
                    "stop_id": {"type": "integer"}, "request_id": {"type": "integer"},
                    "vehicle_id": {"type": "integer"}, "day": _DAY}}},
                "job": {"type": ["object", "null"]},
                "queued": {"type": "boolean", "description": "false: job is the day job already holding a day"}}}}},
            "Stored")}},
    "api.closure_remove": {
        "requestBody": _body({"type": "object", "properties": {"until": {
            "type": "string", "description": "Keep the closure on record, ending then (the road reopened early)"}}},
            required=False)},
    "api.replan_day": {
        "requestBody": _body({"type": "object", "properties": {"from": {
            "type": "string", "description": "Re-plan from this time of the day (HH:MM; default now, never before)"}},
            "example": {"from": "11:00"}}, required=False),
        "responses": {"202": _DAY_JOB,
                      "409": _DAY_JOB_BUSY}},
    "api.outage_add": {
        "requestBody": _body({
            "type": "object", "required": ["vehicle", "from", "until"],
            "properties": {
                "vehicle": {"type": "integer", "minimum": 1},
                "from": {"type": "string", "description": "ISO 8601; without an offset, the city's time"},
                "until": {"type": "string", "description": "ISO 8601, after from"},
                "reason": {"type": "string", "maxLength": 200,
                           "description": "maintenance, absence, other, or any text (kept as the note)"}},
            "example": {"vehicle": 2, "from": "2026-12-01T11:00", "until": "2026-12-01T17:30", "reason": "故障"}}),
        "responses": {"202": _DAY_JOB,
                      "409": _DAY_JOB_BUSY}},
    "api.lock_add": {
        "requestBody": _body({
            "type": "object",
            "description": "A stop (its request stays on its vehicle and day), a shift (vehicle and day) or a whole day",
            "properties": {"stop_id": {"type": "integer", "minimum": 1}, "vehicle": {"type": "integer", "minimum": 1},
                           "day": _DAY},
            "example": {"vehicle": 2, "day": "2026-12-01"}}),
        "responses": {"201": _json({"type": "object", "properties": {"lock": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["stop", "shift", "day"]}, "day": _DAY,
            "vehicle": {"type": ["integer", "null"]}, "stop_id": {"type": ["integer", "null"]},
            "request_id": {"type": ["integer", "null"]}, "created_by": {"type": "string"},
            "created_at": {"type": ["string", "null"]}}}}}, "Stored"),
                      "409": _json(_ref("Error"), "Locked already")}},
    "api.locks": {
        "parameters": [_query("week", "The Monday of the week whose days' locks to list",
                              _DAY | {"example": "2026-11-30"}, required=True)]},
    "api.lock_remove": {
        "requestBody": _body({"type": "object", "properties": {"reason": {
            "type": "string", "maxLength": 200, "description": "Why the lock is removed (written to the log)"}}},
            required=False)},
    "api.cancel_seat": {
        "requestBody": _reason("Why the resident will not come"),
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "resident": {"type": "integer"}, "session": {"type": "integer"}, "day": _DAY,
            "services": {"type": "array", "items": {"type": "string"}}, "cancelled": {"type": "boolean"},
            "cancelled_at": {"type": ["string", "null"]}, "cancel_reason": {"type": "string"},
            "cancelled_by": {"type": "string"}, "read_back": {"type": "string"}}}),
            "409": _json(_ref("Error"), "The seat was cancelled before")}},
    "api.job": {"responses": {"200": _json({"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(JOB_KINDS)},
        "days": {"type": "array", "items": _DAY}, "week_start": _DAY, "state": {"type": "string"},
        "result": {"type": ["object", "null"]}}})}},
    "api.plan_week_job": {
        "requestBody": _body({"type": "object", "properties": {"time_limit_s": {
            "type": "integer", "description": "One of the offered limits (ODEKAKE_PLAN_TIME_LIMITS: 10, 30, 60, 120, 300)"}},
            "example": {"time_limit_s": 30}}, required=False),
        "responses": {"202": _json({"type": "object", "properties": {"job": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["week_plan"]}}}}}, "Queued"),
                      "409": _json({"type": "object", "properties": {
                          "error": {"type": "string"}, "job_id": {"type": "integer"}, "job": {"type": "object"}}},
                          "The week already has a queued or running job")}},
    "api.publish_plan": {
        "requestBody": _body({"type": "object", "properties": {"version": {
            "type": "integer", "minimum": 1, "description": "Default: the latest version"}},
            "example": {"version": 1}}, required=False),
        "responses": {"200": _json({"type": "object", "properties": {
            "plan": _ref("PlanHead"), "published": {"type": "boolean"}}}),
            "409": _json(_ref("Error"), "A newer version is already published")}},
    "api.offers": {
        "requestBody": _body(_ref("Draft")),
        "responses": {"200": _json({"type": "object", "description": "offers, or code, reason and later",
                                    "properties": {"offers": {"type": "array", "items": {"type": "object"}}}})}},
    "api.bookings": {
        "requestBody": _body({
            "type": "object", "required": ["draft", "offer"],
            "properties": {
                "draft": _ref("Draft"),
                "offer": {"oneOf": [_ref("Offer") | {"required": ["day", "start", "end"]},
                                    {"type": "integer", "minimum": 1, "description": "The K-th offer found now"}]},
                "second_need": {"type": "boolean", "description": "A second booking of the same kind at an "
                                                                  "overlapping time is really another need"}},
            "example": {"draft": {"resident": 1, "kind": "visit", "services": ["residence_certificate"],
                                  "earliest": "2026-12-01", "latest": "2026-12-04"}, "offer": 1}}),
        "responses": {"201": _json({"type": "object", "properties": {
            "request_id": {"type": "integer"}, "status": {"type": "string"}, "promised": _WINDOW,
            "plan_version": {"type": ["integer", "null"]}, "read_back": {"type": "string"}}}, "Booked"),
            "409": _json({"type": "object", "properties": {
                "error": {"type": "string"}, "fresh": {"type": "object"}, "code": {"type": "string"},
                "existing": {"type": "object"}}}, "Just taken (fresh offers), or already booked (code, existing)")}},
    "api.cancel_booking": {
        "requestBody": _reason("Why the booking is cancelled or changed"),
        "responses": {"200": _json({"type": "object", "properties": {
            "request_id": {"type": "integer"}, "status": {"type": "string"},
            "plan_version": {"type": ["integer", "null"]}}}),
            "409": _json(_ref("Error"), "Cancelled before, or already served")}},
    "api.add_resident": {
        "requestBody": _body({
            "type": "object", "required": ["name"],
            "description": "The home's position: lat and lon, or site (a landmark)",
            "properties": {name: {"type": "string", "maxLength": min(TEXT_LIMITS.get(name, TEXT_LIMIT), 200)}
                           for name in ("name", "kana", "phone", "address", "district", "notes",
                                        "contact_name", "contact_phone")}
            | {"lat": {"type": "number", "minimum": -90, "maximum": 90},
               "lon": {"type": "number", "minimum": -180, "maximum": 180},
               "site": {"type": "integer", "description": "A landmark's database id"},
               "not_duplicate": {"type": "boolean", "description": "Register although a resident with the same "
                                                                   "phone, or reading and address, exists"}},
            "example": {"name": "新井 一郎", "phone": "0240-00-0000", "site": 1}}),
        "responses": {"201": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "kana": {"type": "string"},
            "lat": {"type": "number"}, "lon": {"type": "number"}}}, "Registered"),
            "409": _json({"type": "object", "properties": {
                "error": {"type": "string"}, "code": {"const": "likely_duplicate"}, "existing": {"type": "object"}}},
                "Likely someone registered before (send not_duplicate: true when it is another person)")}},
    "api.resident_sessions": {
        "parameters": [_query("earliest", "From this day (default today)", _DAY),
                       _query("latest", "To this day (default 13 days after earliest)", _DAY),
                       _query("services", "Service codes wanted (repeatable)")],
        "responses": {"200": _json({"type": "object", "properties": {
            "sessions": {"type": "array", "items": {"type": "object"}}}})}},
    "api.seats": {
        "requestBody": _body({
            "type": "object", "required": ["resident", "session", "day"],
            "properties": {"resident": {"type": "integer", "description": "The resident's database id"},
                           "session": {"type": "integer", "description": "The hall session's request id"},
                           "day": _DAY, "services": {"type": "array", "items": {"type": "string"}}},
            "example": {"resident": 2, "session": 1, "day": "2026-12-01"}}),
        "responses": {"201": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "session": {"type": "integer"}, "day": _DAY,
            "read_back": {"type": "string"}}}, "Booked")}},
    "api.audit_csv": {
        "parameters": [_query("from", "First day, included", _DAY | {"example": "2026-11-01"}, required=True),
                       _query("to", "Last day, included (at most 367 days after from)",
                              _DAY | {"example": "2026-11-30"}, required=True)],
        "responses": {"200": {"description": "The audit log of the period, UTF-8 with a byte-order mark (columns in "
                                             "docs/CSV_FORMATS.md)",
                              "content": {"text/csv": {"schema": {"type": "string"}}}}}},
    "api.stats": {
        "parameters": [
            _query("from", "First day, included", _DAY | {"example": "2026-04-01"}, required=True),
            _query("to", "Last day, included (at most 5 years after from)", _DAY | {"example": "2027-03-31"},
                   required=True),
            _query("by", "Grouping of the rows", {"type": "string", "default": "district",
                                                  "enum": ["district", "site", "vehicle", "service", "month"]}),
            _query("district", "Keep one district (a registered resident's, or the population table's)"),
            _query("format", "json, one table as CSV (UTF-8 with BOM), or Excel with a sheet per table",
                   {"type": "string", "enum": ["json", "csv", "xlsx"], "default": "json"}),
            _query("table", "The table of a CSV", {"type": "string", "enum": ["rows", "totals", "trend", "reach"],
                                                   "default": "rows"}),
            _query("lang", "Language of the CSV and Excel column headings and sheet names (default: the session's, "
                           "else Accept-Language's, Japanese first); the JSON keys stay English",
                   {"type": "string", "enum": ["ja", "en"]})],
        "responses": {"200": {
            "description": "The figures: rows (additive counts per group), totals, trend (per month against a year "
                           "earlier), reach (per district), empty (nothing in the period)",
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "from": _DAY, "to": _DAY, "by": {"type": "string"}, "empty": {"type": "boolean"},
                    "rows": {"type": "array", "items": {"type": "object"}}, "totals": {"type": "object"},
                    "trend": {"type": "array", "items": {"type": "object"}},
                    "reach": {"type": "array", "items": {"type": "object"}}}}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}}}}}},
    "api.sheet_pdf": {
        "parameters": [_query("version", "Plan version (default: the latest; drivers: the published one)",
                              {"type": "integer"})],
        "responses": {"200": {"description": "The A4 stop sheet",
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}},
}

_ERRORS = {"400": "Bad input; the message names the field", "401": "Not logged in",
           "403": "The role may not use this endpoint", "404": "Not found"}


def _path(rule: str) -> str:
    return _ARG.sub(lambda m: "{" + m["name"] + "}", rule)


#: Path arguments by name: dates (the example is the sample week's) and ids (SQLite's integers, `webapp.args`).
_PATH_SCHEMAS = {"monday": _DAY | {"description": "The Monday that starts the week", "example": "2026-11-30"},
                 "day": _DAY | {"example": "2026-12-01"}}
_PATH_INT = {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX, "example": 1}


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    def schema(conv: str | None, name: str) -> dict[str, Any]:
        if conv == "int":
            return _PATH_INT
        return _PATH_SCHEMAS.get(name) or {"type": _TYPES.get(conv or "", "string")}

    return [{"name": m["name"], "in": "path", "required": True, "schema": schema(m["conv"], m["name"])}
            for m in _ARG.finditer(rule)]


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
