"""Stored XSS (issue 22): script-like text in every free-text field is shown as text on every screen.

A module fixture plants payloads on the live server's instance: a resident registered through
``POST /api/residents`` from the operator's page (name, kana, address, district as a
``javascript:`` URL, notes, contact), a second resident, two sites (a hall and a shop), a service, a vehicle,
its driver's staff name, shift exception notes, requests with notes and errand items, and a
crew's 対応不可 reason; the operator's test types errand items, a note and a seat's cancel reason.

Sharing the live server: the planted vehicle has no workdays and runs only on XSS_DAY (臨時運行,
the Wednesday of XSS_WEEK, a week before PLAN_WEEK, which no other test reads), when the sample's
vehicles are off (運休), so it alone serves the planted requests, each due on that day only. It
is made inactive once XSS_WEEK is planned (第1版 and 第2版 with one more visit, both published), so
no other week's board or plan shows it. The operator's booking goes into the week of 2027-01-18,
which no other test reads.

Every screen that shows the text is opened as each role and every map marker hovered; the test
checks that no payload ran (``window.__xss`` stays unset, no dialog opens), none became an element,
no element carries a ``javascript:`` URL, the browser reported no Content-Security-Policy
violation (`securitypolicyviolation` events and console errors), and the text is there literally.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.webapp.browser.conftest import PLAN_WEEK, TABLET_LANDSCAPE, log_in
from tests.webapp.conftest import PASSWORD

pytestmark = pytest.mark.browser

XSS_WEEK = PLAN_WEEK - dt.timedelta(days=7)  # before the sample week: the dispatcher's home still opens that
XSS_DAY = XSS_WEEK + dt.timedelta(days=2)  # a Wednesday: the planted vehicle's extra duty, the others off
#: When the planted week is planned: the Friday before it (a fixed time, not today, for the waiting bonus)
PLANNED_AT = dt.datetime.combine(XSS_WEEK - dt.timedelta(days=3), dt.time(9, 0))
BOOK_DAY = "2027-01-19"  # the operator's errand booking: a Tuesday of a week no other test reads
DRIVER = "xssdriver"

#: The fields planted, by tag (the text's first characters, and the names in assertion messages).
TAGS = ("住民名", "ヨミ", "住所", "地区", "注意", "連絡先", "二人目", "二人目住所", "公民館", "公民館住所", "商店",
        "用件", "号車", "職員", "依頼メモ", "品物", "巡回メモ", "乗車メモ", "運休メモ", "電話品物", "電話メモ",
        "対応不可理由", "取消理由")
#: Fields planted with a ``javascript:`` URL instead (in case one ends up in a link); phone numbers
#: cannot hold one (the register checks them).
URL_TAGS = ("地区", "乗車メモ")


def payload(n: int) -> str:
    """Text that runs script wherever it is treated as HTML, in text or in a quoted attribute (≤ 100 characters).

    Each sets ``window.__xss`` to `n` (the tag's number) or opens an alert.
    """
    if TAGS[n] in URL_TAGS:
        return f"javascript:__xss={n}//XSS{TAGS[n]}"
    return (f"XSS{TAGS[n]}<img src=x onerror=__xss={n}><script>__xss={n}</script>"
            f"\"><svg onload=alert({n})>")


#: Tag -> planted text.
T = {tag: payload(n) for n, tag in enumerate(TAGS)}

#: Runs before every page's own scripts: records CSP violations (the browser also blocks them).
_WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));"""


@dataclasses.dataclass
class Planted:
    """Ids of what the fixture planted."""

    resident: int
    second: int
    hall: int
    shop: int
    vehicle: int
    seat: int


def _register_through_the_api(browser, live_server, home) -> int:
    """Register the payload resident with ``POST /api/residents`` from the operator's page (fetch, X-CSRFToken)."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        log_in(page, "operator")
        answer = page.evaluate("""body => fetch('/api/residents', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', Accept: 'application/json',
                      'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
            body: JSON.stringify(body)}).then(r => r.json().then(json => ({status: r.status, json})))""", {
            "name": T["住民名"], "kana": T["ヨミ"], "phone": "0246-00-0001", "address": T["住所"],
            "district": T["地区"], "notes": T["注意"], "contact_name": T["連絡先"],
            "contact_phone": "090-0000-0001", "lat": home.lat, "lon": home.lon})
        assert answer["status"] == 201, answer
        assert answer["json"]["name"] == T["住民名"]
        return answer["json"]["id"]
    finally:
        context.close()


@pytest.fixture(scope="module")
def planted(browser, live_server) -> Planted:
    """Plant the payloads, plan XSS_WEEK twice (第1版 published, then 第2版 published), see the module doc."""
    from routing.network import RoadNetwork
    from scheduler.domain import (
        EXTRA_DUTY,
        ErrandDetails,
        ErrandPickup,
        Request,
        RequestKind,
        Resident,
        RideDetails,
        Service,
        SessionBooking,
        SessionDetails,
        SessionRule,
        ShiftException,
        Site,
        SiteKind,
        Skill,
        TimeWindow,
        Vehicle,
        VisitDetails,
    )
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams
    from webapp.cli.user import add_user

    instance = live_server.instance
    with Store.for_instance(instance) as store:
        homes = sorted(store.residents.all(), key=lambda r: r.id)
    resident_id = _register_through_the_api(browser, live_server, homes[0])
    day = [TimeWindow(XSS_DAY, 9 * 3600, 16 * 3600)]
    with Store.for_instance(instance) as store:
        hall = store.sites.add(Site(name=T["公民館"], kind=SiteKind.COMMUNITY_HALL, lat=homes[2].lat, lon=homes[2].lon,
                                   address=T["公民館住所"]))
        shop = store.sites.add(Site(name=T["商店"], kind=SiteKind.SHOP, lat=homes[3].lat, lon=homes[3].lon))
        store.services.upsert(Service(code="xss_check", name_ja=T["用件"], name_en=T["用件"], duration_s=600))
        depot = store.vehicles.active()[0].depot_site_id
        vehicle = store.vehicles.add(Vehicle(name=T["号車"], depot_site_id=depot, capacity={"seats": 3, "boxes": 8},
                                            skills=tuple(Skill), workdays=()))
        store.shift_exceptions.add(ShiftException(vehicle_id=vehicle.id, day=XSS_DAY, reason=EXTRA_DUTY,
                                                 note=T["運休メモ"]))
        store.shift_exceptions.add(ShiftException(vehicle_id=vehicle.id, day=dt.date(2027, 1, 20),  # on the masters list
                                                 note=T["運休メモ"]))
        for other in store.vehicles.active():
            if other.id != vehicle.id:
                store.shift_exceptions.add(ShiftException(vehicle_id=other.id, day=XSS_DAY))
        add_user(store, DRIVER, "driver", vehicle_id=vehicle.id, password=PASSWORD, name=T["職員"])
        second = store.residents.add(Resident(name=T["二人目"], kana="ニバンメ", phone="0246-00-0002",
                                             address=T["二人目住所"], lat=homes[4].lat, lon=homes[4].lon))
        requests = [
            Request(kind=RequestKind.VISIT, details=VisitDetails(services=("xss_check",)), resident_id=resident_id,
                    windows=day, notes=T["依頼メモ"]),
            Request(kind=RequestKind.ERRAND, resident_id=resident_id, windows=day,
                    details=ErrandDetails(pickups=(ErrandPickup(site_id=shop.id),), order=T["品物"],
                                          amount_to_collect_yen=1200)),
            Request(kind=RequestKind.RIDE, resident_id=resident_id, windows=day, notes=T["乗車メモ"],
                    details=RideDetails(from_site_id=None, to_site_id=hall.id)),
            Request(kind=RequestKind.SESSION, windows=day, notes=T["巡回メモ"], base_priority=100,
                    details=SessionDetails(site_id=hall.id, session_s=1800,
                                           rule=SessionRule(frequency="weekly", weekday=XSS_DAY.weekday()))),
        ]
        added = [store.add_request(r, user="test") for r in requests]
        network = RoadNetwork.from_instance(instance)
        params = SolveParams(time_limit_s=60, solution_limit=1)
        first = plan_week(store, network, XSS_WEEK, params=params, user="test", now=PLANNED_AT)
        publish(store, first.plan.id, user="test")
        seat = store.session_bookings.add(SessionBooking(session_request_id=added[3].id, resident_id=resident_id,
                                                        day=XSS_DAY))
        store.add_request(Request(kind=RequestKind.VISIT, details=VisitDetails(services=("xss_check",)),
                                  resident_id=second.id, windows=day), user="test")
        latest = plan_week(store, network, XSS_WEEK, params=params, user="test", now=PLANNED_AT)
        publish(store, latest.plan.id, user="test")
        served = {s.request_id for s in latest.plan.stops if s.vehicle_id == vehicle.id and s.day == XSS_DAY}
        assert {r.id for r in added} <= served, latest.plan.summary
        visit = next(s for s in latest.plan.stops if s.request_id == added[0].id)
        store.mark_stop(visit.id, "cannot_serve", user=DRIVER, note=T["対応不可理由"],  # the crew's typed reason
                        now=dt.datetime.combine(visit.day, dt.time(17)))
        store.vehicles.update(dataclasses.replace(vehicle, active=False))
    return Planted(resident=resident_id, second=second.id, hall=hall.id, shop=shop.id, vehicle=vehicle.id,
                   seat=seat.id)


class Watched:
    """A page that records dialogs and CSP violations; `check` asserts nothing ran and the text is there."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.csp_console: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.add_init_script(_WATCH_CSP)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_console.append(message.text)

    def goto(self, path: str, *shown: str) -> str:
        """Open `path`, check it (`check`) and return its text."""
        answer = self.page.goto(path)
        assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
        return self.check(*shown)

    def check(self, *shown: str) -> str:
        """Assert no payload ran or became an element, no CSP violation, and every `shown` field's text is there."""
        page = self.page
        page.wait_for_load_state("load")
        state = self._state()
        if state["planted"]:  # let a broken image's onerror (an event of its own) run before saying what it did
            page.wait_for_timeout(500)
            state = self._state()
        where = page.url
        assert state["xss"] is None, f"a payload ran on {where}: window.__xss = {state['xss']} ({_tag(state['xss'])})"
        assert self.dialogs == [], f"a payload opened a dialog: {self.dialogs}"
        assert state["planted"] == [], f"payload elements on {where}: {state['planted']}"
        assert state["jsUrls"] == [], f"javascript: URLs on {where}: {state['jsUrls']}"
        assert state["csp"] == [] and self.csp_console == [], \
            f"Content-Security-Policy violations on {where}: {state['csp']} {self.csp_console}"
        missing = [tag for tag in shown if T[tag] not in state["text"]]
        assert missing == [], f"not shown as text on {where}: {missing}"
        return state["text"]

    def _state(self) -> dict:
        return self.page.evaluate("""() => ({
          xss: window.__xss === undefined ? null : String(window.__xss),  // a payload's number
          csp: window.__csp || [],
          jsUrls: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
            .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || e.getAttribute('formaction'))
            .filter(u => /^\\s*javascript:/i.test(u)),
          planted: [...document.querySelectorAll('img[src=x], svg[onload], [onerror], [onload]')].map(e => e.outerHTML),
          text: document.title + '\\n' + document.body.textContent,
        })""")

    def hover_markers(self, box: str = "#map") -> list[str]:
        """Hover every interactive thing of the Leaflet map (numbered markers, depots, route) and return the tooltips.

        Markers at one place cover each other, so each one also gets a ``mouseover`` of its own
        (as Leaflet receives a hover): every marker's tooltip is opened once. Numbered stops are
        Leaflet markers (an element holding the number), the depot and the route SVG paths.
        """
        page = self.page
        paths = page.locator(f"{box} path.leaflet-interactive, {box} .leaflet-marker-icon")
        page.wait_for_selector(f"{box} path.leaflet-interactive")
        tips = []
        for i in range(paths.count()):
            for hover in (lambda p: p.hover(force=True), lambda p: p.dispatch_event("mouseover")):
                hover(paths.nth(i))
                self.check()
                for tip in page.evaluate("""box => [...document.querySelectorAll(box + ' .leaflet-tooltip')]
                    .map(t => ({text: t.innerText, tags: [...t.querySelectorAll('*')].map(e => e.tagName)}))""", box):
                    assert not {"IMG", "svg", "SCRIPT"} & set(tip["tags"]), f"a tooltip holds elements: {tip}"
                    tips.append(tip["text"])
                paths.nth(i).dispatch_event("mouseout")
                page.mouse.move(0, 0)
        return tips


def _tag(n: str) -> str:
    """The tag of a payload's number (window.__xss)."""
    return TAGS[int(n)] if n.isdigit() and int(n) < len(TAGS) else "?"


def _tips_show(tips: list[str], *tags: str) -> None:
    missing = [tag for tag in tags if not any(T[tag] in tip for tip in tips)]
    assert missing == [], f"no tooltip shows {missing} as text; tooltips: {tips}"


def test_dispatcher_screens_show_planted_text_as_text(page_as, planted, shot):
    """Board, route map (every marker hovered), compare, stop sheet and master lists, as the dispatcher."""
    w = Watched(page_as("dispatcher"))
    places = ("住所", "商店", "公民館", "二人目住所")
    w.goto(f"/dispatch/weeks/{XSS_WEEK}", "号車", *places, "住民名", "二人目")
    shot(w.page, "xss-week-board")
    route = f"/dispatch/weeks/{XSS_WEEK}/map/{XSS_DAY}/{planted.vehicle}"
    w.goto(route, "号車")
    w.page.wait_for_selector("#map-stops li")
    w.check(*places)
    tips = w.hover_markers()
    _tips_show(tips, *places)
    shot(w.page, "xss-route-map")
    w.goto(f"/dispatch/weeks/{XSS_WEEK}/compare", "二人目")
    w.goto(f"/dispatch/weeks/{XSS_WEEK}/sheet/{XSS_DAY}/{planted.vehicle}",
           "号車", "職員", *places, "住民名", "ヨミ", "注意", "依頼メモ", "品物", "用件")
    w.goto("/masters/sites", "公民館", "商店")
    w.goto(f"/masters/sites/{planted.hall}")
    assert w.page.input_value("#name") == T["公民館"]
    w.page.wait_for_selector("#site-map path")
    w.check()
    w.goto("/masters/vehicles", "号車")
    w.goto(f"/masters/vehicles/{planted.vehicle}")
    assert w.page.input_value("#name") == T["号車"]
    w.goto("/masters/exceptions", "号車", "運休メモ")
    w.goto("/masters/services", "用件")


def test_admin_sees_the_staff_name_as_text(page_as, planted):
    """The staff list and the account form, as the admin."""
    w = Watched(page_as("admin"))
    w.goto("/masters/users", "職員")
    driver = w.page.locator("table tr", has_text=DRIVER).locator("a").first.get_attribute("href")
    w.goto(driver)
    assert w.page.input_value("#name") == T["職員"]


def test_operator_screens_show_planted_text_as_text(page_as, planted, shot):
    """Live search, the resident, the register map (every site hovered), an errand booked with typed items, read-backs."""
    w = Watched(page_as("operator"))
    person = ("住民名", "ヨミ", "住所", "地区", "注意", "連絡先")
    w.goto("/booking/")
    w.page.fill("#q", "XSS住民名")
    w.page.wait_for_selector("#results tbody tr")
    w.check("住民名", "ヨミ", "住所")
    w.goto("/booking/?q=XSS住民名", "住民名", "ヨミ", "住所")
    w.goto(f"/booking/residents/{planted.resident}", *person, "公民館")
    w.goto("/booking/residents/new", "公民館", "商店")
    _tips_show(w.hover_markers(), "公民館", "商店")
    shot(w.page, "xss-register-map")
    w.goto(f"/booking/residents/{planted.resident}/sessions?earliest={XSS_DAY}&latest={XSS_DAY}", *person)
    w.goto(f"/booking/residents/{planted.resident}/requests/visit", *person, "用件")
    w.goto(f"/booking/residents/{planted.resident}/requests/ride", "公民館", "商店")
    w.goto(f"/booking/residents/{planted.resident}/requests/errand", *person, "商店")
    w.page.select_option("#shop_site_1", str(planted.shop))
    w.page.fill("#items", T["電話品物"])
    w.page.fill("#amount_yen", "500")
    w.page.fill("#earliest", BOOK_DAY)
    w.page.fill("#latest", BOOK_DAY)
    w.page.fill("#notes", T["電話メモ"])
    with w.page.expect_navigation():
        w.page.click("button.primary")
    w.check(*person)
    assert w.page.locator("label.offer").count() >= 1, w.page.inner_text("main")
    with w.page.expect_navigation():
        w.page.click("form.offers button.primary")
    assert "/readback" in w.page.url
    w.check("住民名", "商店", "電話品物")
    shot(w.page, "xss-readback")
    w.goto(f"/booking/seats/{planted.seat}/readback", "住民名", "公民館")
    w.goto(f"/booking/residents/{planted.resident}", *person, "公民館", "対応不可理由")
    w.page.fill(f"#seat-reason-{planted.seat}", T["取消理由"])  # cancel the seat, the reason as the caller said
    with w.page.expect_navigation():
        w.page.click(f"#seat-{planted.seat} button[type=submit]")
    w.check(*person, "取消理由")
    w.goto(f"/booking/seats/{planted.seat}/readback", "住民名", "公民館", "取消理由")


def test_driver_screens_show_planted_text_as_text(page_as, planted, shot):
    """The planted vehicle's driver: the day's cards and the stop sheet, on the tablet."""
    w = Watched(page_as(DRIVER, TABLET_LANDSCAPE))
    shown = ("号車", "職員", "住所", "住民名", "ヨミ", "商店", "公民館", "品物", "用件", "注意", "依頼メモ")
    w.goto(f"/driver/?day={XSS_DAY}", *shown)
    shot(w.page, "xss-driver-day")
    w.goto(f"/driver/sheet/{XSS_DAY}", *shown)
    w.page.emulate_media(media="print")
    w.check()
