"""The permission table, checked exhaustively: every endpoint × every role × no log-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scheduler.accounts import Role
from scheduler.domain import SessionBooking, ShiftException
from tests.webapp.conftest import ACCOUNTS, PASSWORD, WEEK, clock_on, csrf_token, login
from webapp import permissions

#: A visit in a week with no plan (any slot fits; booking it changes no plan).
_EMPTY_WEEK_DRAFT = {"resident": 1, "kind": "visit", "services": ["residence_certificate"],
                     "earliest": "2027-01-12", "latest": "2027-01-12"}
PROMISED = (0, 0)  # set by `_booking_data`: two requests with a promised window
SEAT = (0, "")  # set by `_booking_data`: a planned session and its day


@pytest.fixture(autouse=True)
def _booking_data(store):
    """Find a promised request and a planned session; give resident 1 seat #1 and resident 3 seat #2 in it."""
    global PROMISED, SEAT
    PROMISED = tuple(r.id for r in store.requests.all() if r.promised is not None)[:2]
    stop = next(s for s in store.plans.get(WEEK).stops if s.step_type == "session")
    SEAT = (stop.request_id, stop.day.isoformat())
    assert store.session_bookings.add(SessionBooking(stop.request_id, 1, stop.day)).id == 1
    assert store.session_bookings.add(SessionBooking(stop.request_id, 3, stop.day)).id == 2


def _requests(day, stop_id, exception_id=1, vehicle=1, move=(1, 1, "2026-12-04")) -> dict[str, tuple[str, str, dict]]:
    """One request per endpoint: method, URL, keyword arguments for the test client (`vehicle`: the driver's).

    `move` is (request id, vehicle, day) of a stop on a day after the clock's, moved to where it is (a preview).
    """
    monday = WEEK.isoformat()
    next_monday = (WEEK + dt.timedelta(days=7)).isoformat()
    return {
        "masters.static": ("GET", "/masters/static/masters.css", {}),
        "results.static": ("GET", "/results/static/results.css", {}),
        "masters.index": ("GET", "/masters/", {}),
        "masters.sites": ("GET", "/masters/sites", {}),
        "masters.site_new": ("GET", "/masters/sites/new", {}),
        "masters.site_edit": ("GET", "/masters/sites/1", {}),
        "masters.vehicles": ("GET", "/masters/vehicles", {}),
        "masters.vehicle_new": ("GET", "/masters/vehicles/new", {}),
        "masters.vehicle_edit": ("GET", "/masters/vehicles/1", {}),
        "masters.exceptions": ("GET", "/masters/exceptions", {}),
        "masters.exception_delete": ("POST", f"/masters/exceptions/{exception_id}/delete", {"data": {}}),
        "masters.services": ("GET", "/masters/services", {}),
        "masters.service_new": ("GET", "/masters/services/new", {}),
        "masters.service_edit": ("GET", "/masters/services/residence_certificate", {}),
        "masters.users": ("GET", "/masters/users", {}),
        "masters.user_new": ("GET", "/masters/users/new", {}),
        "masters.user_edit": ("GET", "/masters/users/1", {}),
        "masters.user_logout": ("POST", "/masters/users/5/logout", {"data": {}}),  # driver2's
        "masters.user_unlock": ("POST", "/masters/users/5/unlock", {"data": {}}),
        "masters.import_csv": ("GET", "/masters/import", {}),
        "api.roads": ("GET", "/api/roads?bbox=37.0,140.0,37.1,140.1", {}),
        "api.openapi": ("GET", "/api/openapi.json", {}),
        "static": ("GET", "/static/app.css", {}),
        "dispatch.static": ("GET", "/dispatch/static/dispatch.css", {}),
        "driver.static": ("GET", "/driver/static/driver.css", {}),
        "driver.service_worker": ("GET", "/driver/sw.js", {}),
        "vendor.leaflet": ("GET", "/vendor/leaflet/leaflet.js", {}),
        "auth.login": ("GET", "/login", {}),
        "auth.language": ("GET", "/lang/ja", {}),
        "auth.home": ("GET", "/", {}),
        "auth.logout": ("POST", "/logout", {}),
        "dispatch.index": ("GET", "/dispatch/", {}),
        "dispatch.stop_done": ("POST", f"/dispatch/stops/{stop_id}/done", {"data": {}}),  # before any new version
        "dispatch.week": ("GET", f"/dispatch/weeks/{monday}", {}),
        "dispatch.shift_map": ("GET", f"/dispatch/weeks/{monday}/map/{day}/1", {}),
        "dispatch.sheet": ("GET", f"/dispatch/weeks/{monday}/sheet/{day}/1", {}),
        "dispatch.plan": ("POST", f"/dispatch/weeks/{monday}/plan", {"data": {"time_limit_s": "10"}}),
        "dispatch.job": ("GET", "/dispatch/jobs/1", {}),
        "dispatch.compare": ("GET", f"/dispatch/weeks/{monday}/compare", {}),
        "dispatch.publish": ("POST", f"/dispatch/weeks/{monday}/publish", {"data": {"version": "1"}}),
        "dispatch.today": ("GET", "/dispatch/today", {}),
        "dispatch.day": ("GET", f"/dispatch/days/{day}", {}),
        "dispatch.calls": ("GET", f"/dispatch/days/{day}/calls", {}),
        "dispatch.call_note": ("POST", f"/dispatch/calls/{stop_id}", {"data": {"outcome": "informed"}}),
        "driver.today": ("GET", f"/driver/?day={day}", {}),
        "driver.report": ("POST", f"/driver/stops/{stop_id}/report", {"data": {"action": "arrived"}}),
        "driver.sheet": ("GET", f"/driver/sheet/{day}", {}),
        "api.session": ("POST", "/api/session", {"json": {"login": "?", "password": PASSWORD}}),
        "api.me": ("GET", "/api/me", {}),
        "api.week_plan": ("GET", f"/api/weeks/{monday}/plan", {}),
        "api.routes": ("GET", f"/api/routes/{day}", {}),
        "api.shift_map": ("GET", f"/api/weeks/{monday}/map/{day}/1", {}),
        "api.sheet_pdf": ("GET", f"/api/routes/{day}/{vehicle}/sheet.pdf", {}),
        "api.stop_status": ("POST", f"/api/stops/{stop_id}/status", {"json": {"action": "arrived"}}),
        "api.requests": ("GET", "/api/requests", {}),
        "api.day_live": ("GET", f"/api/days/{day}/live", {}),
        "api.day_timeline": ("GET", f"/api/days/{day}/timeline.csv", {}),
        "api.day_calls": ("GET", f"/api/days/{day}/calls", {}),
        "api.call_outcome": ("POST", f"/api/calls/{stop_id}", {"json": {"outcome": "informed"}}),
        "api.closure_add": ("POST", "/api/closures", {"json": {"way_ids": [1], "from": "2026-12-01T08:00",
                                                                "until": "2026-12-01T09:00"}}),
        "api.closures": ("GET", "/api/closures", {}),
        "api.closure_remove": ("DELETE", "/api/closures/1", {}),
        "api.replan_day": ("POST", f"/api/days/{day}/replan", {"json": {}}),
        "api.outage_add": ("POST", "/api/outages", {"json": {"vehicle": 1, "from": f"{next_monday}T09:00",
                                                          "until": f"{next_monday}T12:00", "reason": "maintenance"}}),
        "api.move_request": ("POST", f"/api/requests/{move[0]}/move",
                             {"json": {"vehicle": move[1], "day": move[2], "preview": True}}),
        "api.residents": ("GET", "/api/residents?q=佐藤", {}),
        # the next week: dispatch.plan has just queued this week's job (a second one would be a 409)
        "api.plan_week_job": ("POST", f"/api/weeks/{next_monday}/plan", {"json": {"time_limit_s": 10}}),
        "api.job": ("GET", "/api/jobs/1", {}),
        "api.publish_plan": ("POST", f"/api/weeks/{monday}/plan/publish", {"json": {"version": 1}}),
        "booking.static": ("GET", "/booking/static/booking.css", {}),
        "booking.index": ("GET", "/booking/?q=さとう", {}),
        "booking.resident": ("GET", "/booking/residents/1", {}),
        "booking.new_resident": ("GET", "/booking/residents/new", {}),
        "booking.map_data": ("GET", "/booking/map.json", {}),
        "booking.new_request": ("GET", "/booking/residents/1/requests/visit", {}),
        "booking.confirm": ("POST", "/booking/confirm", {"data": {"draft": json.dumps(_EMPTY_WEEK_DRAFT),
                                                                  "offer": "2027-01-12|10:00|11:00"}}),
        "booking.readback": ("GET", f"/booking/requests/{PROMISED[0]}/readback", {}),
        "booking.cancel": ("POST", f"/booking/requests/{PROMISED[0]}/cancel", {"data": {"reason": "入院"}}),
        "booking.sessions": ("GET", f"/booking/residents/1/sessions?earliest={monday}", {}),
        "booking.seat_readback": ("GET", "/booking/seats/1/readback", {}),
        "booking.cancel_seat": ("POST", "/booking/seats/1/cancel", {"data": {"reason": "入院"}}),
        "api.offers": ("POST", "/api/offers", {"json": _EMPTY_WEEK_DRAFT}),
        "api.bookings": ("POST", "/api/bookings", {"json": {"draft": _EMPTY_WEEK_DRAFT, "offer": {
            "day": "2027-01-12", "start": "13:00", "end": "14:00"}}}),
        "api.cancel_booking": ("DELETE", f"/api/bookings/{PROMISED[1]}", {"json": {"reason": "入院"}}),
        "api.add_resident": ("POST", "/api/residents", {"json": {"name": "新井 一郎", "site": 1}}),
        "api.resident_sessions": ("GET", f"/api/residents/1/sessions?earliest={monday}", {}),
        "api.seats": ("POST", "/api/seats", {"json": {"resident": 2, "session": SEAT[0], "day": SEAT[1]}}),
        "api.cancel_seat": ("POST", "/api/seats/2/cancel", {"json": {"reason": "入院"}}),
        "api.audit_csv": ("GET", f"/api/audit.csv?from={monday}&to={next_monday}", {}),
        "api.stats": ("GET", f"/api/stats?from={monday}&to={next_monday}", {}),
        "masters.audit": ("GET", "/masters/audit", {}),
        "results.index": ("GET", f"/results/?period=custom&from={monday}&to={next_monday}", {}),
        "results.report": ("GET", "/results/report.pdf?fy=2026&html=1", {}),  # the report's pages, not the PDF
        "results.population": ("GET", "/results/population", {}),
        # when the day changes (issue 26): locks, re-plan, outage, move (a saved move makes a draft version)
        "api.lock_add": ("POST", "/api/locks", {"json": {"day": day.isoformat()}}),
        "api.locks": ("GET", f"/api/locks?week={monday}", {}),
        "api.lock_remove": ("DELETE", "/api/locks/1", {}),
        "dispatch.lock": ("POST", "/dispatch/locks", {"data": {"day": day.isoformat()}}),
        "dispatch.unlock": ("POST", "/dispatch/locks/1/delete", {"data": {}}),
        "dispatch.replan": ("POST", f"/dispatch/days/{day}/replan", {"data": {}}),
        "dispatch.outage": ("POST", f"/dispatch/days/{day}/outage", {"data": {"vehicle": "1", "reason": "maintenance"}}),
        "dispatch.replanned": ("GET", f"/dispatch/weeks/{monday}/replanned/1", {}),  # not a re-plan: its comparison
        "dispatch.move": ("GET", f"/dispatch/requests/{move[0]}/move?vehicle={move[1]}&day={move[2]}", {}),
        "dispatch.move_save": ("POST", f"/dispatch/requests/{move[0]}/move",
                               {"data": {"vehicle": str(move[1]), "day": move[2]}}),
    }


@pytest.fixture(autouse=True)
def _no_pdf_printing(monkeypatch):
    """The stop sheet's PDF printer is a stub here (WeasyPrint takes seconds a page; test_sheet.py prints
    for real): the endpoint still checks the role, reads the sheet and answers."""
    from flask import Response

    monkeypatch.setattr("webapp.api.sheet_pdf", lambda sheet: Response(b"%PDF-1.7 stub", mimetype="application/pdf"))


def _csrf(client) -> str:
    """The client's CSRF token, read from a page (`csrf_token`) again only when its session's raw token changed.

    Reading it renders the role's home screen (the week board for the office) for every POST otherwise;
    a log-in gives the session a new raw token, and a stale token would fail a request (400), never pass it.
    """
    with client.session_transaction() as session:
        raw = session.get("csrf_token")
    kept = getattr(client, "odekake_csrf", None)
    if raw is None or kept is None or kept[0] != raw:
        token = csrf_token(client)
        with client.session_transaction() as session:
            kept = client.odekake_csrf = (session.get("csrf_token"), token)
    return kept[1]


def _send(client, method, url, kwargs, *, login_name=None):
    kwargs = {k: (dict(v) if isinstance(v, dict) else v) for k, v in kwargs.items()}
    if method in ("POST", "DELETE"):
        token = _csrf(client)
        if "data" in kwargs:
            kwargs["data"]["csrf_token"] = token
        else:
            kwargs["headers"] = {"X-CSRFToken": token}
        if url == "/api/session":
            kwargs["json"]["login"] = login_name or "dispatcher"
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()  # static files are streamed from open files
    return response


def test_every_route_is_in_the_table_and_in_this_test(app, route):
    """The app's endpoints, the permission table and this test's requests are the same set."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == permissions.PUBLIC | set(permissions.PERMISSIONS)
    assert endpoints == set(_requests(route[0], route[1][0].id))


def test_no_login_gets_the_login_page_or_401(app, route):
    """Without a log-in: public endpoints answer; pages redirect to the log-in page, the API says 401 JSON."""
    for endpoint, (method, url, kwargs) in _requests(route[0], route[1][0].id).items():
        client = app.test_client()
        response = _send(client, method, url, kwargs)
        if endpoint in permissions.PUBLIC:
            assert response.status_code not in (401, 403), endpoint
            assert "/login" not in (response.location or "") or endpoint == "auth.language", endpoint
        elif url.startswith("/api/"):
            assert response.status_code == 401, endpoint
            assert response.is_json and "error" in response.json, endpoint
        else:
            assert response.status_code == 302, endpoint
            assert response.location.startswith("/login?next="), endpoint


@pytest.mark.parametrize("name", sorted(ACCOUNTS))
def test_each_role_gets_exactly_its_endpoints(app, store, name):
    """Each role reaches exactly the endpoints the table gives it; everything else is 403.

    A driver reports at a stop of their own vehicle (another vehicle's stop is
    refused by the data check, tested in test_driver.py).
    """
    role, vehicle = ACCOUNTS[name]
    exception = store.shift_exceptions.add(ShiftException(vehicle_id=1, day=WEEK, reason="maintenance"))
    stop = next(s for s in sorted(store.plans.published(WEEK).stops, key=lambda s: (s.day, s.seq))
                if s.vehicle_id == (vehicle or 1) and s.request_id is not None)
    clock_on(app, stop.day)  # a stop is reported on its day
    client = app.test_client()
    assert login(client, name).status_code == 302
    later = next(s for s in sorted(store.plans.published(WEEK).stops, key=lambda s: (s.day, s.seq))
                 if s.day > stop.day and s.step_type == "visit")
    requests = _requests(stop.day, stop.id, exception.id, vehicle or 1,
                         move=(later.request_id, later.vehicle_id, later.day.isoformat()))
    logout = requests.pop("auth.logout")  # last: it ends the session
    for endpoint, (method, url, kwargs) in [*requests.items(), ("auth.logout", logout)]:
        response = _send(client, method, url, kwargs, login_name=name)
        if permissions.allowed(endpoint, role):
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
            assert not (response.location or "").startswith("/login?"), endpoint
            assert response.status_code < 400, (endpoint, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, response.status_code)


def test_the_table_gives_drivers_no_office_screens():
    """Least privilege: drivers reach no dispatcher screen and no resident search."""
    for endpoint in ("dispatch.week", "dispatch.shift_map", "dispatch.day", "dispatch.calls", "api.residents", "api.week_plan", "api.requests",
                     "masters.sites", "masters.import_csv"):
        assert not permissions.allowed(endpoint, Role.DRIVER)
    for endpoint in ("masters.users", "masters.user_new", "masters.user_edit", "masters.user_logout",
                     "masters.user_unlock",  # accounts: admin only
                     "api.audit_csv", "masters.audit"):  # the audit log (who saw which resident): admin only
        assert {r for r in Role if permissions.allowed(endpoint, r)} == {Role.ADMIN}
    assert not permissions.allowed("driver.report", Role.DISPATCHER)
    assert not permissions.allowed("dispatch.week", None)


def test_an_app_with_an_endpoint_missing_from_the_table_does_not_start():
    """A route nobody added to the table stops the app at start-up (not a silent 403 in production)."""
    with pytest.raises(RuntimeError, match="missing \\['dispatch.secret'\\]"):
        permissions.check_table(permissions.PUBLIC | set(permissions.PERMISSIONS) | {"dispatch.secret"})
