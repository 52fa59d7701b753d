"""Browser tests: the app in headless Chromium, as staff use it (marker ``browser``).

Each test module sets ``pytestmark = pytest.mark.browser``. The whole package is skipped,
with the reason, when Debian's ``chromium`` is not
installed (``make install`` installs it with apt when these tests exist).

Fixtures (add a flow in a few lines)::

    def test_something(page_as, shot, live_server):
        page = page_as("dispatcher")                    # logged in through the form, desktop 1366 × 768
        page.goto(live_server.url + "/dispatch/...")    # or click through the screens
        shot(page, "dispatch-something")                # build/screenshots/dispatch-something.png

- ``live_server``: the app on a free port of 127.0.0.1 in a thread, serving one copy of the
  planned and published sample week (`tests/webapp/conftest.py: planned_template`) for the
  whole session. Tests share it: a test that writes (marks stops, plans, publishes) uses
  days, vehicles or weeks no other test reads, so the order of tests does not matter.
  Planning jobs run as with ``odekake serve``: through the SQLite queue in the instance
  folder, taken by a real huey consumer (threads) started beside the server.
- ``PLAN_WEEK`` (2026-11-16, two weeks before the sample week, so the dispatcher's home still
  opens the sample week) is the week the planning flow writes: the live server's copy has it
  planned with the hall sessions alone and published (第1版), then gets the sample week's
  day-bound visits, errands and rides copied two weeks earlier (`_add_plan_week`), so
  再計画 makes a 第2版 with new rows to compare and publish.
- ``page_as(login, viewport=DESKTOP)``: a fresh browser context logged in as one of
  ``ACCOUNTS`` (admin, dispatcher, operator, driver1, driver2); ``new_page(viewport)``
  is the same without a log-in. Sizes: ``DESKTOP``, ``TABLET_LANDSCAPE``, ``TABLET_PORTRAIT``.
- Every page of every test records its requests: one to another host is refused and fails
  the test, and so does an uncaught script error (`_Recorder`).
- ``city_clock(day)``: the live app's city clock at 09:00 on `day` for one test (set it before
  logging in); a driver reports a stop on its day, never ahead.
- ``shot(page, name, docs=False)``: a PNG in ``build/screenshots/`` (gitignored, kept as a
  test artefact). ``docs=True`` marks the few shown in the README: ``make screenshots``
  (``ODEKAKE_DOCS_SCREENSHOTS=1``) writes those to ``docs/screenshots/`` as well.
- A test that fails leaves each of its open pages in ``build/screenshots/`` as
  ``FAIL-<module>_<test name>[-<n>].png`` (what the browser showed) and ``.html`` (the page's HTML then),
  so a failure on another machine can be read (`_keep_failed_pages`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.webapp.conftest import PASSWORD, TEST_CONFIG, WEEK, clock_on

DESKTOP = {"width": 1366, "height": 768}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 800, "height": 1280}

ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = ROOT / "build" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
#: TOOLCHAIN.md: Debian's chromium, nothing that phones home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    """Return Debian's chromium (``$ODEKAKE_CHROMIUM``, ``chromium`` on the PATH, /usr/bin/chromium) or None."""
    for candidate in (os.environ.get("ODEKAKE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright; the tests skip when it is missing."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (make install installs it with apt)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1 for the browser."""

    url: str
    instance: Path
    app: object = None

    @property
    def netloc(self) -> str:
        """``127.0.0.1:PORT``: the only host pages may load from."""
        return urlsplit(self.url).netloc


#: The week the planning flow plans and publishes (no other test reads it); see the module doc.
PLAN_WEEK = WEEK - dt.timedelta(days=14)


def _add_plan_week(instance: Path) -> None:
    """Plan and publish PLAN_WEEK with its hall sessions, then copy the sample week's day-bound requests to it.

    Visits, errands and rides with a preferred or promised day move two weeks earlier (a
    return ride keeps pointing at its outbound ride); sessions recur by themselves and
    requests without a day are left out, so nothing new falls due in the sample week.
    """
    from routing.network import RoadNetwork
    from scheduler.domain import RequestKind, RequestStatus, RideDetails
    from scheduler.io.sample import sample_now
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    shift = PLAN_WEEK - WEEK
    with Store.for_instance(instance) as store:
        first = plan_week(store, RoadNetwork.from_instance(instance), PLAN_WEEK,  # the same plan any day
                          params=SolveParams(time_limit_s=60, solution_limit=1), user="test", now=sample_now(PLAN_WEEK))
        publish(store, first.plan.id, user="test")
        copies: dict[int, int] = {}
        for r in store.requests.all():
            if r.kind == RequestKind.SESSION or not (r.windows or r.promised):
                continue
            details = r.details
            if isinstance(details, RideDetails) and details.return_of is not None:
                if details.return_of not in copies:  # its outbound ride has no day: neither has the return
                    continue
                details = dataclasses.replace(details, return_of=copies[details.return_of])
            promised = dataclasses.replace(r.promised, day=r.promised.day + shift) if r.promised else None
            copy = store.add_request(dataclasses.replace(
                r, id=None, external_id=None, details=details, promised=promised,
                windows=[dataclasses.replace(w, day=w.day + shift) for w in r.windows],
                status=RequestStatus.BOOKED if promised else RequestStatus.RECEIVED,
                received_at=r.received_at + shift), user="test")
            copies[r.id] = copy.id


@pytest.fixture(scope="session")
def live_server(planned_template, tmp_path_factory):
    """Serve a copy of the planned, published sample week on a free port in a thread (werkzeug).

    A huey consumer (threads, as ``odekake serve`` starts it) runs the planning jobs the
    pages queue in the copy's ``jobs.db``; PLAN_WEEK is prepared for the planning flow.
    """
    from werkzeug.serving import WSGIRequestHandler, make_server

    from webapp import create_app
    from webapp.job_queue import start_embedded_consumer

    class _Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the output
            pass

    folder = tmp_path_factory.mktemp("browser") / "instance"
    shutil.copytree(planned_template, folder)
    _add_plan_week(folder)
    # no early stop: the planning flow watches a job run for its whole (short) time limit
    app = create_app(folder, test_config={**TEST_CONFIG, "ODEKAKE_PLAN_STALL_S": 0})
    consumer = start_embedded_consumer(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", instance=folder, app=app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    consumer.stop(graceful=True)


@dataclass
class _Recorder:
    """What the pages of one test asked for from other hosts, and their uncaught script errors."""

    netloc: str
    foreign: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def route(self, route) -> None:
        """Let requests to the app through; refuse (and remember) any other host."""
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != self.netloc:
            self.foreign.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (``item.report_setup``, ``report_call``) for the fixtures' teardown."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _keep_failed_pages(item, contexts) -> list[Path]:
    """Save every open page of a failed test: ``FAIL-<module>_<test name>[-<n>].png`` and ``.html`` in build/screenshots/."""
    from playwright.sync_api import Error

    test = item.nodeid.rsplit("/", 1)[-1].replace(".py::", "_")  # test_x_test_y[param]
    name = "FAIL-" + re.sub(r"[^\w-]+", "_", test).strip("_")
    pages = [page for context in contexts for page in context.pages]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for n, page in enumerate(pages, 1):
        stem = name if len(pages) == 1 else f"{name}-{n}"
        for suffix in (".png", ".html"):
            path = ARTEFACTS / f"{stem}{suffix}"
            try:
                if suffix == ".png":
                    page.screenshot(path=str(path), full_page=True)
                else:
                    path.write_text(page.content(), encoding="utf-8")
                saved.append(path)
            except Error as exc:  # a crashed page: keep what can be kept, never hide the test's own failure
                (ARTEFACTS / f"{stem}{suffix}.txt").write_text(f"{page.url}: not saved: {exc}\n", encoding="utf-8")
    return saved


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh context (no cookies) at a viewport size; check its requests at the end.

    When the test fails (or a page asked another host or raised a script error), every page
    it opened is saved first (`_keep_failed_pages`).
    """
    recorder = _Recorder(live_server.netloc)
    contexts = []

    def _open(viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo",
                                      base_url=live_server.url)
        context.set_default_timeout(10_000)
        context.route("**/*", recorder.route)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: recorder.script_errors.append(str(error)))
        return page

    yield _open
    reports = [getattr(request.node, f"report_{when}", None) for when in ("setup", "call")]
    failed = any(report is not None and report.failed for report in reports)
    if failed or recorder.foreign or recorder.script_errors:
        _keep_failed_pages(request.node, contexts)
    for context in contexts:
        context.close()
    assert recorder.foreign == [], f"requests to another host: {recorder.foreign}"
    assert recorder.script_errors == [], f"script errors: {recorder.script_errors}"


def log_in(page, login: str, password: str = PASSWORD) -> None:
    """Log in through the form as a person would (the page ends on the role's home screen)."""
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit].primary")


@pytest.fixture
def page_as(new_page):
    """Open a page logged in as `login` (see ``ACCOUNTS``) at a viewport size."""

    def _open(login: str, viewport: dict = DESKTOP):
        page = new_page(viewport)
        log_in(page, login)
        return page

    return _open


@pytest.fixture(scope="session")
def shot():
    """Save a screenshot of the page's viewport to build/screenshots/ (and docs/, see the module doc)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    to_docs = os.environ.get("ODEKAKE_DOCS_SCREENSHOTS") == "1"

    def _shot(page, name: str, *, docs: bool = False, full_page: bool = False) -> Path:
        path = ARTEFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if docs and to_docs:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path

    return _shot


@pytest.fixture
def city_clock(live_server):
    """``city_clock(day)``: the live app's city clock at 09:00 on `day` for this test (log in after setting it).

    The tests' clock stands before the sample week, where no stop may be reported yet;
    it is set back when the test ends.
    """
    app = live_server.app
    before = app.config["ODEKAKE_NOW"]
    yield lambda day: clock_on(app, day)
    app.config["ODEKAKE_NOW"] = before


@pytest.fixture(scope="session")
def driver_days(live_server):
    """Days of the published week with stops to report, per vehicle id (sorted)."""
    from scheduler.store import Store

    with Store.for_instance(live_server.instance) as store:
        plan = store.plans.published(WEEK)
        days: dict[int, list] = {}
        for s in plan.stops:
            if s.request_id is not None and s.day not in days.setdefault(s.vehicle_id, []):
                days[s.vehicle_id].append(s.day)
    return {vehicle: sorted(ds) for vehicle, ds in days.items()}
