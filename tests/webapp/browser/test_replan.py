"""Vehicle 2 breaks down at 11:00 on the sample Tuesday, played from 今日の運行 (issue 26).

運休 for vehicle 2 from 11:00 -> a background job (a consumer in the server's process, as ``odekake serve``
runs it) whose progress page opens, when done, the re-plan's result: who moves and whom to phone -> its comparison ->
公開する -> the day screen shows vehicle 2's remaining stops on other vans or not planned, and the 連絡リスト
lists the residents to phone. At 1366x768, in Japanese, no English word.

The scenario publishes a new version of the sample week, which the other browser tests read: it runs on a
server of its own (this module's ``live_server``), a copy of the same planned and published instance.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading

import pytest

from scheduler.domain import DAY_S
from tests.webapp.browser.conftest import DESKTOP, LiveServer
from tests.webapp.conftest import TEST_CONFIG, WEEK

pytestmark = pytest.mark.browser

DAY = WEEK + dt.timedelta(days=1)  # the sample Tuesday 2026-12-01
ELEVEN = dt.datetime.combine(DAY, dt.time(11))
#: Latin words a Japanese screen may show: ids people read, the log-in name, units, the map's credit.
_ALLOWED = re.compile(r"SAMPLE[-\w]*|dispatcher|km|OpenStreetMap|contributors|ODbL|Leaflet|odekake|fictional")


@pytest.fixture(scope="module")
def live_server(planned_template, tmp_path_factory):
    """This module's own server: a copy of the planned, published sample week (the scenario publishes)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from webapp import create_app
    from webapp.job_queue import start_embedded_consumer

    class _Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    folder = tmp_path_factory.mktemp("browser-replan") / "instance"
    shutil.copytree(planned_template, folder)
    app = create_app(folder, test_config={**TEST_CONFIG, "ODEKAKE_NOW": ELEVEN.isoformat()})
    consumer = start_embedded_consumer(app)  # the re-plan runs as a background job, as under odekake serve
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="live-server-replan", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", instance=folder, app=app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    consumer.stop(graceful=True)


def _report_vehicle_2_morning(instance) -> list[int]:
    """The crew of vehicle 2 reports its stops of the Tuesday done by 11:00 (at their planned times); return the rest."""
    from scheduler.live.day import live_day
    from scheduler.store import Store

    rest = []
    with Store.for_instance(instance) as store:
        [van] = live_day(store, DAY, dt.datetime.combine(DAY, dt.time(6)), vehicle_ids=[2]).vehicles
        for step in van.steps:
            stop = step.stop
            if stop.request_id is None:
                continue
            if rest or stop.departure_s % DAY_S > 11 * 3600:
                rest.append(stop.request_id)
                continue
            for action, when in (("arrived", stop.arrival_s), ("done", stop.departure_s)):
                at = dt.datetime.combine(DAY, dt.time()) + dt.timedelta(seconds=when % DAY_S)
                store.mark_stop(stop.id, action, user="driver2", at=at, now=ELEVEN)
    return rest


def _english(page) -> list[str]:
    text = page.inner_text("main") + page.title()
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text) if not _ALLOWED.fullmatch(w)})


def test_vehicle_2_out_at_eleven_from_the_day_screen_to_the_published_plan_and_the_call_list(
        page_as, shot, live_server):
    from scheduler.store import Store

    rest = _report_vehicle_2_morning(live_server.instance)
    assert rest, "vehicle 2 has stops after 11:00 on the sample Tuesday"
    page = page_as("dispatcher", DESKTOP)
    page.goto(f"/dispatch/days/{DAY.isoformat()}")
    assert page.locator("#outage-from").input_value() == "11:00"  # from: now
    page.select_option("#outage-vehicle", "2")
    page.select_option("#outage-reason", "maintenance")
    assert _english(page) == []
    shot(page, "dispatch-day-outage")
    with page.expect_navigation(timeout=60_000):
        page.click(".outage-form button[type=submit]")

    # a background job: its progress page follows it, then opens the result
    page.wait_for_url("**/replanned/**", timeout=90_000)
    with Store.for_instance(live_server.instance) as store:
        [job] = store.jobs.where("kind = 'outage'")
        assert (job.state.value, job.days, job.result["versions"]) == ("done", (DAY,), [job.plan_version])

    # the result: who moves and by how much, whom to phone
    assert "/replanned/" in page.url
    assert page.locator("h1").inner_text().startswith("再計画の結果")
    assert "運休" in page.inner_text("#replan-sum")
    changes = page.locator("#changes tbody tr")
    calls = page.locator("#calls tbody tr")
    assert changes.count() >= 1 and calls.count() >= 1
    called = {int(r) for r in page.locator("#calls tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.requestId)")}
    assert called & set(rest)  # vehicle 2's residents after 11:00 are among them
    assert _english(page) == []
    shot(page, "dispatch-replanned")

    # compare, then publish
    with page.expect_navigation():
        page.click("a:has-text('比較して公開する')")
    assert "/compare" in page.url and _english(page) == []
    page.on("dialog", lambda dialog: dialog.accept())
    worse = page.locator("input[name=confirm_worse]")
    if worse.count():
        worse.check()
    with page.expect_navigation():
        page.click("form[action$='/publish'] button[type=submit]")
    assert "公開しました" in page.inner_text("main")

    with Store.for_instance(live_server.instance) as store:
        plan = store.plans.published(WEEK)
        assert plan.summary["change"] == {"kind": "replan_day", "day": DAY.isoformat(), "outages": [2]}
        unassigned = {u.request_id for u in plan.unassigned}
        placed = {s.request_id: s.vehicle_id for s in plan.stops if s.day == DAY and s.request_id is not None}

    # the day screen: vehicle 2's remaining stops are on other vans or not planned
    page.goto(f"/dispatch/days/{DAY.isoformat()}")
    second = page.locator("section.vehicle[data-vehicle-id='2']")
    on_two = {int(r) for r in second.locator("tr[data-request]").evaluate_all(
        "rows => rows.map(r => r.dataset.request)")}
    assert on_two.isdisjoint(rest)
    for rid in rest:
        if rid in unassigned:
            continue
        assert placed[rid] != 2
        shown = page.locator(f"section.vehicle:not([data-vehicle-id='2']) tr[data-request='{rid}']")
        assert shown.count() >= 1, rid
    assert _english(page) == []
    shot(page, "dispatch-day-after-outage")

    # the call list: the residents the re-plan moved or left out, to phone
    with page.expect_navigation():
        page.click("a:has-text('連絡リスト')")
    listed = {int(r) for r in page.locator("#replan-calls tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.requestId)")}
    assert listed == called
    assert page.locator("#replan-calls a[href^='tel:']").count() >= 1
    assert _english(page) == []
    shot(page, "dispatch-calls-after-outage")
