"""A walk of every screen as each role in Japanese (issue 23): no English word, no server error, no script error.

One pass per role (admin, dispatcher, operator, driver) on the live server's published sample
week with the city clock at 10:30 on a day of that week and a few of vehicle 2's stops
reported, so the day screens have content. Each page's visible text (``innerText``, the
title and the ``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes, the labels
of input buttons) may hold no Latin word of 3 letters or more except the few in
``_ALLOWED``; a response of 500 or more and a console error fail the walk, and so does a
screen of the role (a GET page in the permission table) the walk cannot open: one with no
argument in its address is opened by itself after the others (a new screen joins the walk), one
with arguments must be added to the walk. A few bad
inputs per form must answer in Japanese.

The reports go to vehicle 2's second day, which no other test reads or writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.webapp.conftest import WEEK

pytestmark = pytest.mark.browser

#: Latin words a Japanese screen may show: ids people read (SAMPLE-V1, ...), the log-in names
#: of the test accounts, units and file kinds, the map's credit, the product's name, the sample
#: data's mark (fictional) and codes.
_ALLOWED = re.compile(
    r"(?i:csv|pdf)|SAMPLE[-\w]*|admin|dispatcher|operator|driver\d*|km|Excel|UTF-8|OpenStreetMap|contributors|ODbL|"
    r"Leaflet|odekake|fictional|kg|test|[a-z]+(?:_[a-z]+)+")  # the last: a code (residence_certificate)
_WORD = re.compile(r"[A-Za-z][\w'-]*[A-Za-z\d]", re.ASCII)

#: Everything a person reads or hears on the page (screen readers read the attributes): visible text
#: and attributes, leaving out what is marked as not Japanese (``lang="en"``: English names, the
#: language switch) and code (``<code>``: service codes, a command line).
_TEXT = """() => { const parts = [document.title];
  const foreign = e => e.closest('code, script, style, [lang]:not([lang|=ja])');
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode())
    if (!foreign(n.parentElement) && n.parentElement.checkVisibility()) parts.push(n.textContent);
  for (const e of document.querySelectorAll('[title], [placeholder], [aria-label], [alt]'))
    for (const a of ['title', 'placeholder', 'aria-label', 'alt']) if (e.getAttribute(a) && !foreign(e)) parts.push(e.getAttribute(a));
  for (const e of document.querySelectorAll('input[type=submit], input[type=button], input[type=reset]'))
    if (!foreign(e)) parts.push(e.value);
  return parts.join('\\n'); }"""

#: GET screens the walk does not open: they are not pages (JSON, a script) or end the visit.
_NOT_SCREENS = {"auth.logout", "auth.language", "booking.map_data", "driver.service_worker"}
#: A file, not a screen (a PDF, a CSV, JSON, a script).
_FILE = re.compile(r"\.(pdf|csv|json|js)$")


@dataclass
class _Walk:
    """One role's pass: the pages it opened and what was wrong on them."""

    page: object
    app: object
    endpoints: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    _errors: list[str] = field(default_factory=list)
    _open: set = field(default_factory=set)  # the page's requests not answered yet
    _asked: bool = False  # a script asked for data (fetch, XHR) since the last check

    def __post_init__(self) -> None:
        self.page.on("response", self._response)
        self.page.on("console", lambda m: self._errors.append(m.text) if m.type == "error" else None)
        self.page.on("request", self._request)
        self.page.on("requestfinished", self._answered)
        self.page.on("requestfailed", self._answered)

    def _request(self, request) -> None:
        self._open.add(request)
        self._asked = self._asked or request.resource_type in ("fetch", "xhr", "eventsource", "websocket")

    def _answered(self, request) -> None:
        self._open.discard(request)

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.url}: HTTP {response.status}")

    def visit(self, url: str, status: int = 200, ready: str | None = None) -> None:
        """Open `url` (expecting `status`) and check what it shows."""
        self._endpoint(url)
        response = self.page.goto(url)
        if response.status != status:
            self.problems.append(f"{url}: HTTP {response.status}, expected {status}")
        self.check(url, status, ready)

    def check(self, where: str, status: int = 200, ready: str | None = None) -> None:
        """Check the page as it stands: its Latin words and the console errors since the last check."""
        if ready:
            self.page.wait_for_selector(ready)
        self._settle()
        self._endpoint(self.page.url)
        english = sorted({w for w in _WORD.findall(self.page.evaluate(_TEXT)) if len(w) >= 3
                          and not _ALLOWED.fullmatch(w)})
        if english:
            self.problems.append(f"{where}: English {english}")
        expected = f"status of {status}"
        errors = [e for e in self._errors if not (status >= 400 and expected in e)]
        if errors:
            self.problems.append(f"{where}: console {errors}")
        self._errors.clear()

    def _settle(self) -> None:
        """Wait until the page shows all it will: Playwright's ``networkidle`` when its scripts asked for data.

        A page whose scripts asked for data (fetch, XHR) or with a request still open waits until the
        network has been idle for 500 ms; a page the server rendered whole, that asked for nothing by its
        load and first frame, has nothing more coming (no script here asks sooner than a second after the
        load by itself), and those 500 ms, a hundred times a walk, were waited for nothing.
        """
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")
        if self._asked or self._open:
            self.page.wait_for_load_state("networkidle")
        self._asked = False

    def submit(self, where: str, fill: dict[str, str], button: str = "button[type=submit].primary",
               status: int = 400) -> str:
        """Fill fields (selector -> value), submit, check the answer page; return its error text."""
        for selector, value in fill.items():
            self.page.fill(selector, value)
        with self.page.expect_navigation() as nav:
            self.page.click(button)
        if nav.value.status != status:
            self.problems.append(f"{where}: HTTP {nav.value.status}, expected {status}")
        self.check(where, status)
        return " ".join(self.page.locator(".error, .field-error").all_inner_texts())

    def _endpoint(self, url: str) -> None:
        from werkzeug.exceptions import HTTPException
        from werkzeug.routing import RequestRedirect

        try:
            endpoint, _ = self.app.url_map.bind("localhost").match(urlsplit(url).path)
        except (HTTPException, RequestRedirect):  # the 404 page has no endpoint
            return
        self.endpoints.add(endpoint)


def _screens(app, role) -> set[str]:
    """The GET pages `role` may open (the permission table), without the JSON API and assets."""
    from webapp.permissions import PERMISSIONS

    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.endpoint.startswith("api.") and not _FILE.search(rule.rule)
            and role in PERMISSIONS.get(rule.endpoint, ()) and rule.endpoint not in _NOT_SCREENS}


def _unvisited(walk: _Walk, app, role) -> set[str]:
    """Open the role's screens the walk has not opened that need no argument (a new screen); return the rest."""
    missing = _screens(app, role) - walk.endpoints
    for rule in [r for r in app.url_map.iter_rules() if r.endpoint in missing and not r.arguments]:
        walk.visit(rule.rule)
    return _screens(app, role) - walk.endpoints


@pytest.fixture(scope="module")
def walk_day(live_server, driver_days):
    """Vehicle 2's second day at 10:30 on the city clock, its first stops reported (arrived, done, not home)."""
    from scheduler.store import Store

    day = driver_days[2][1]
    assert day not in (driver_days[2][0], driver_days[2][-1])  # the days other tests write
    at = dt.datetime.combine(day, dt.time(9))
    with Store.for_instance(live_server.instance) as store:
        stops = sorted((s for s in store.plans.published(WEEK).stops
                        if s.vehicle_id == 2 and s.day == day and s.request_id is not None), key=lambda s: s.seq)
        for n, (stop, status) in enumerate(zip(stops, ["done", "not_home", "arrived"], strict=False)):
            moment = at + dt.timedelta(minutes=25 * n)
            if status != "arrived":
                store.mark_stop(stop.id, "arrived", user="driver2", at=moment, now=moment)
            store.mark_stop(stop.id, status, user="driver2", at=moment + dt.timedelta(minutes=10),
                            now=moment + dt.timedelta(minutes=10))
    return day


@pytest.fixture
def walk_clock(live_server, walk_day):
    """The city clock at 10:30 on the walk's day for one test (set back after)."""
    app = live_server.app
    before = app.config["ODEKAKE_NOW"]
    app.config["ODEKAKE_NOW"] = f"{walk_day.isoformat()}T10:30"
    yield walk_day
    app.config["ODEKAKE_NOW"] = before


@pytest.fixture(scope="module")
def ids(live_server):
    """Rows to open: a resident with a booked request, a seat, a site, vehicle, service and user, a job."""
    from scheduler.domain import RequestKind, SessionBooking
    from scheduler.store import Store

    with Store.for_instance(live_server.instance) as store:
        booked = next(r for r in store.requests.all() if r.promised is not None and r.resident_id is not None
                      and r.kind != RequestKind.SESSION)
        hall = next(r for r in store.requests.all() if r.kind == RequestKind.SESSION)
        seat = store.session_bookings.add(SessionBooking(session_request_id=hall.id, resident_id=booked.resident_id,
                                                        day=WEEK + dt.timedelta(days=21)))
        return {"resident": booked.resident_id, "request": booked.id, "seat": seat.id,
                "site": store.sites.all()[0].id, "vehicle": store.vehicles.active()[0].id,
                "service": store.services.all()[0].code, "user": store.users.all()[0].id,
                "job": store.jobs.of_week(WEEK)[0].id}


def _office(walk: _Walk, day: dt.date) -> None:
    """The dispatcher's screens every office role reads: week board, map, job, compare, the day and its calls."""
    walk.visit("/dispatch/", ready="table.board")
    walk.visit(f"/dispatch/weeks/{WEEK}/compare")
    walk.visit(f"/dispatch/weeks/{WEEK}/map/{day}/2", ready="#map-stops li")
    walk.visit("/dispatch/jobs/1")
    walk.visit("/dispatch/today", ready="section.vehicle")
    walk.visit(f"/dispatch/days/{day}/calls")


def _planner(walk: _Walk, day: dt.date, ids: dict, *, bad_inputs: bool) -> None:
    """The stop sheet and the master data (with bad inputs on each form when `bad_inputs`)."""
    walk.visit(f"/dispatch/weeks/{WEEK}/sheet/{day}/2")
    # issue 26: a move's preview (the day has begun: refused, in words) and a version's re-plan result
    # (version 1 is no re-plan: its comparison); the re-plan itself is played in test_replan.py
    walk.visit(f"/dispatch/requests/{ids['request']}/move?vehicle=2&day={day}")
    walk.visit(f"/dispatch/weeks/{WEEK}/replanned/1")
    for url in ("/masters/", "/masters/sites", "/masters/vehicles", "/masters/exceptions", "/masters/services",
                f"/masters/vehicles/{ids['vehicle']}", f"/masters/services/{ids['service']}",
                "/masters/vehicles/new", "/masters/services/new", "/masters/import"):
        walk.visit(url)
    walk.visit(f"/masters/sites/{ids['site']}", ready="#site-map path")
    walk.visit("/masters/sites/new", ready="#site-map path")
    if not bad_inputs:
        return
    _japanese(walk, "site: empty name", walk.submit("site: empty name", {"#name": ""}))
    walk.visit("/masters/sites/new", ready="#site-map path")
    _japanese(walk, "site: off the roads",
              walk.submit("site: off the roads", {"#name": "試験の拠点", "#lat": "10.0", "#lon": "10.0"}))
    walk.visit("/masters/vehicles/new")
    _japanese(walk, "vehicle: empty", walk.submit("vehicle: empty", {}))
    walk.visit("/masters/services/new")
    _japanese(walk, "service: empty", walk.submit("service: empty", {}))
    walk.visit("/masters/import")
    walk.page.set_input_files("#file", files=[{"name": "住民.csv", "mimeType": "text/csv",
                                                "buffer": b"external_id,name\nX1,\n,\"broken\n"}])
    _japanese(walk, "import: bad CSV", walk.submit("import: bad CSV", {})
              + " ".join(walk.page.locator(".import-errors").all_inner_texts()))


def _admin(walk: _Walk, ids: dict) -> None:
    """The staff accounts and the audit log; a bad account form."""
    for url in ("/masters/users", f"/masters/users/{ids['user']}", "/masters/audit", "/masters/users/new"):
        walk.visit(url)
    _japanese(walk, "user: empty", walk.submit("user: empty", {}))


def _booking(walk: _Walk, ids: dict, *, bad_inputs: bool) -> None:
    """The operator's call: find, resident, new resident, each request form and its offers, read-backs, seats."""
    walk.visit("/booking/")
    walk.page.fill("#q", "ｽｽﾞｷ")
    walk.check("find: typed")
    walk.visit(f"/booking/residents/{ids['resident']}")
    walk.visit(f"/booking/requests/{ids['request']}/readback")
    walk.visit(f"/booking/seats/{ids['seat']}/readback")
    walk.visit(f"/booking/residents/{ids['resident']}/sessions")
    walk.visit("/booking/residents/new", ready="#map path")
    if bad_inputs:
        _japanese(walk, "resident: empty", walk.submit("resident: empty", {"#name": ""}))
        _japanese(walk, "resident: phone", walk.submit("resident: phone", {"#name": "試験 花子", "#phone": "abc"}))
    for kind, fill in _REQUEST_FILLS.items():
        url = f"/booking/residents/{ids['resident']}/requests/{kind}"
        walk.visit(url)
        if bad_inputs:
            _japanese(walk, f"{kind}: empty", walk.submit(f"{kind}: empty", {}))
            walk.visit(url)
        fill(walk.page)
        walk.submit(f"{kind}: offers", {}, status=200)
        if not walk.page.locator("label.offer").count():
            walk.problems.append(f"{kind}: no offers to look at")


#: How the walk fills each request form for its offers: the first service, shop or place.
_REQUEST_FILLS = {
    "visit": lambda page: page.check("input[name=services] >> nth=0"),
    "errand": lambda page: page.select_option("#shop_site_1", index=1),
    "ride": lambda page: page.select_option("#ride_to", index=1),
}


def _japanese(walk: _Walk, where: str, text: str) -> None:
    """An error must be shown, in Japanese."""
    if not text.strip():
        walk.problems.append(f"{where}: no error shown")
    elif not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        walk.problems.append(f"{where}: error not in Japanese: {text!r}")


def _errors(walk: _Walk, forbidden: str) -> None:
    walk.visit("/no-such-page", status=404)
    walk.visit(forbidden, status=403)


@pytest.mark.parametrize("login", ["admin", "dispatcher", "operator", "driver2"])
def test_every_screen_of_the_role_is_japanese(page_as, live_server, walk_clock, ids, login):
    """Every screen of the role opens without a server or script error and shows no English word."""
    from tests.webapp.conftest import ACCOUNTS

    role = ACCOUNTS[login][0]
    day = walk_clock
    walk = _Walk(page_as(login), live_server.app)
    walk.visit("/")
    if login == "driver2":
        walk.visit("/driver/", ready="li.card")
        walk.visit(f"/driver/?day={day + dt.timedelta(days=1)}")
        walk.visit(f"/driver/sheet/{day}")
        _errors(walk, "/dispatch/")
    else:
        _office(walk, day)
        if login in ("admin", "dispatcher"):
            _planner(walk, day, ids, bad_inputs=login == "dispatcher")
        if login in ("admin", "operator"):
            _booking(walk, ids, bad_inputs=login == "operator")
        if login == "admin":
            _admin(walk, ids)
        _errors(walk, "/driver/" if login == "admin" else "/masters/users")
    missing = _unvisited(walk, live_server.app, role)
    assert (walk.problems, missing) == ([], set()), "\n".join(
        [*walk.problems, f"screens of {login} the walk does not open: {sorted(missing)}"])
