"""The driver's tablet without signal: presses kept with their time and sent later in order; the route from the tablet's copy.

The tablet times a press on the server's clock (the page's server time plus the time since on
the tablet's count, see webapp/driver/static/driver.js), so Playwright's clock is paused and moved
by hand: each press's time is then known to the second, whatever the machine's speed.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from tests.webapp.browser.conftest import TABLET_LANDSCAPE

pytestmark = pytest.mark.browser

#: The tablet's own clock: anything, even wrong (the presses follow the server's).
TABLET_CLOCK = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def _wait_for_copy(page) -> None:
    """Wait until the service worker is active (it serves the next loads of /driver/) and the page is kept."""
    page.wait_for_function("() => navigator.serviceWorker.ready.then(r => r.active.state === 'activated')")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        # Chromium does not always hand the first visit to a worker that claims it (seen under load): the
        # next visit is the worker's from its start, as a driver's second look at the day is.
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => caches.match(location.pathname + location.search).then(r => r !== undefined)")


def _no_signal(route) -> None:
    route.abort("internetdisconnected")


def _stored_presses(instance, stop_ids: list[int], count: int, timeout_s: float = 20) -> list:
    """The crew reports at these stops once `count` of them are stored (or what there is after `timeout_s`)."""
    from scheduler.store import Store

    deadline = time.monotonic() + timeout_s
    while True:
        with Store.for_instance(instance) as store:
            events = store.request_events.reports_at(stop_ids)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def test_three_presses_without_signal_are_sent_later_with_their_own_times(page_as, driver_days, city_clock,
                                                                          live_server, shot):
    """Offline: 到着 and 完了 at the first stop, 到着 at the second, 40 s apart; online 9 minutes later they are
    stored in order with the times pressed (09:00:00, 09:00:40, 09:01:20), not the time sent.

    Uses vehicle 1's third day, which no other browser test reads.
    """
    day = driver_days[1][2]
    city_clock(day)  # 09:00 at the server
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.clock.install(time=TABLET_CLOCK)
    page.clock.pause_at(TABLET_CLOCK + dt.timedelta(seconds=5))
    page.goto(f"/driver/?day={day}")
    _wait_for_copy(page)
    first = int(page.get_attribute("#next", "data-stop"))
    page.context.set_offline(True)
    page.click("#next .act-arrived")
    page.clock.fast_forward(40_000)
    page.click("#next .act-done")
    page.clock.fast_forward(40_000)
    second = int(page.get_attribute("#next", "data-stop"))
    assert second != first  # 完了 moved the next card on, without signal
    page.click("#next .act-arrived")
    # A press first shows 送信中 while its send is tried, then 未送信 once it failed: wait for that.
    expect(page.locator("p.queue")).to_have_text("未送信 3件")
    expect(page.locator(f"li[data-stop='{first}'] .pending")).to_contain_text("未送信")
    expect(page.locator(f"li[data-stop='{second}'] .pending")).to_contain_text("到着 · 未送信")
    expect(page.locator("p.offline")).to_be_visible()
    shot(page, "driver-offline-presses")
    page.clock.fast_forward(60_000)  # a retry falls due without signal: still kept
    assert page.inner_text("p.queue") == "未送信 3件"

    live_server.app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T09:10"  # the signal returns later
    with page.expect_navigation():  # all sent: the page reloads with the server's times
        page.context.set_offline(False)
    events = _stored_presses(live_server.instance, [first, second], 3)
    start = dt.datetime.combine(day, dt.time(9))
    assert [(e.stop_id, e.action, e.at) for e in events] == [
        (first, "arrived", start), (first, "done", start + dt.timedelta(seconds=40)),
        (second, "arrived", start + dt.timedelta(seconds=80))]
    assert all(e.user == "driver1" for e in events)
    assert page.locator("p.queue").is_hidden()
    assert "完了" in page.inner_text(f"li[data-stop='{first}'] .report")


def test_the_route_opens_from_the_tablets_copy_without_signal(page_as, driver_days, city_clock, live_server):
    """Reloading without signal shows the cached route (the copy served at 09:00), not the browser's error page."""
    day = driver_days[1][0]
    city_clock(day)
    page = page_as("driver1", TABLET_LANDSCAPE)
    page.goto(f"/driver/?day={day}")
    _wait_for_copy(page)
    served = page.get_attribute("#driver-day", "data-server-now")
    cards = page.locator("li.card").count()
    live_server.app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T09:05"  # a fresh page would say 09:05
    # offline mode alone does not always reach the service worker's own fetches: refuse every request too
    page.context.set_offline(True)
    page.context.route("**/*", _no_signal)
    try:
        page.reload()
        assert cards > 3
        expect(page.locator("li.card")).to_have_count(cards)
        assert page.get_attribute("#driver-day", "data-server-now") == served
        expect(page.locator("p.offline")).to_be_visible()  # shown once the page finds no signal
    finally:
        page.context.unroute("**/*", _no_signal)
        page.context.set_offline(False)
