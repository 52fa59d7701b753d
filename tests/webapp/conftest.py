"""Fixtures of the web app tests: a planned, published sample week built once per session.

`planned_template` loads the fictional sample week of 2026-11-30, plans it
(solution limit 1: the same plan on any machine, validated by `plan_week`),
publishes it, records the finished planning job that made it (job 1) and adds one account per role (two drivers). Each test gets a
copy of that instance folder (`instance`), so tests may write freely.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil

import pytest

from scheduler.accounts import Role
from scheduler.store import Store

WEEK = dt.date(2026, 11, 30)
PASSWORD = "test-password-1"
#: login -> (role, vehicle id)
ACCOUNTS = {"admin": (Role.ADMIN, None), "dispatcher": (Role.DISPATCHER, None),
            "operator": (Role.OPERATOR, None), "driver1": (Role.DRIVER, 1), "driver2": (Role.DRIVER, 2)}
#: The city's clock stands still on the Friday before the sample week (no verdict depends on today's date).
NOW = "2026-11-27T09:00"
TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False, "ODEKAKE_NOW": NOW}


@pytest.fixture(scope="session")
def planned_template(sample_instance, tmp_path_factory):
    """An instance folder with the sample week planned, published and staff accounts (read-only)."""
    from scheduler.plan_job import JobState, PlanJob
    from tests.conftest import planned_sample_copy
    from webapp.cli.user import add_user

    instance = tmp_path_factory.mktemp("planned")
    store, result = planned_sample_copy(sample_instance, instance, WEEK)
    with store:
        store.jobs.update(dataclasses.replace(  # job 1: the finished job that made it
            store.add_job(PlanJob(week_start=WEEK, created_by="test", time_limit_s=60))[0],
            state=JobState.DONE, plan_id=result.plan.id, plan_version=result.plan.version,
            served=result.plan.summary["served"], unassigned=result.plan.summary["unassigned"]))
        for login, (role, vehicle) in ACCOUNTS.items():
            add_user(store, login, role.value, vehicle_id=vehicle, password=PASSWORD)
    return instance


@pytest.fixture
def instance(planned_template, tmp_path):
    """A private copy of the planned instance folder."""
    folder = tmp_path / "instance"
    shutil.copytree(planned_template, folder)
    return folder


@pytest.fixture
def app(instance):
    """The web app on the test's instance copy, CSRF on."""
    from webapp import create_app

    return create_app(instance, test_config=dict(TEST_CONFIG))


@pytest.fixture
def client(app):
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def store(instance):
    """The test instance's store (to look at what the app wrote)."""
    with Store.for_instance(instance) as s:
        yield s


def clock_on(app, day: dt.date) -> None:
    """Set the app's city clock to 09:00 on `day`: a stop is reported on its day, never ahead.

    Set it before logging in: a log-in session lasts on this clock, and moving it days on ends the session.
    """
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T09:00"


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a page's meta tag (the log-in page, or a missing page).

    Logged in, the log-in page sends the client home, and the office's home is the week board (a second
    to draw, before every POST of a test); every page of the base layout carries the token, and the page
    for an address that does not exist is the cheapest to draw.
    """
    page = client.get("/login")
    if page.status_code == 302:  # logged in
        page = client.get("/no-such-page-csrf-token")
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log `client` in through the form (with its CSRF token); return the response."""
    token = csrf_token(client)
    return client.post("/login", data={"login": name, "password": password, "csrf_token": token})


@pytest.fixture
def route(store):
    """Driver 1's first day in the published plan and its stops that serve a request, in order."""
    plan = store.plans.published(WEEK)
    stops = sorted((s for s in plan.stops if s.vehicle_id == 1 and s.request_id is not None),
                   key=lambda s: (s.day, s.seq))
    day = stops[0].day
    return day, [s for s in stops if s.day == day]


@pytest.fixture
def reported(client, route, app, store):
    """(The figures' tests: 実績, /api/stats.) Driver 1's first day reported done (what was asked for, once each); the dispatcher logged in."""
    from scheduler.evidence.records import report_at_stop

    day, stops = route
    for stop in stops:
        report_at_stop(store, stop.id, "done", user="driver1", today=day, now=dt.datetime.combine(day, dt.time(23)))
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T23:00"
    login(client, "dispatcher")
    return stops
