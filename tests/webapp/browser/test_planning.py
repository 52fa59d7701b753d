"""The dispatcher's planning flow in the browser: 再計画 → progress bar → 比較 → 公開する → the driver's day.

It writes PLAN_WEEK only (see conftest: 第1版 published with the hall sessions, then the
sample week's day-bound requests copied to it), so 再計画 makes a 第2版 with new rows.
The job runs through the SQLite queue and the live server's consumer thread.

This test is about time (a 10 s search watched through its progress bar), so which plan
the job reaches depends on the machine, and on the day (the job plans with the real clock,
`scheduler.planning.job_runner`): the assertions on the plan compare the page with the stored
versions instead of expecting particular rows.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from scheduler.store import Store
from tests.webapp.browser.conftest import PLAN_WEEK, TABLET_LANDSCAPE
from tests.webapp.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser

#: The planning form's choice used here: long enough to watch the bar move, short enough for the suite.
TIME_LIMIT_S = "10"
#: Planning runs up to the time limit plus reading the week and storing the plan: a generous wait.
JOB_TIMEOUT_MS = 120_000

#: The job box's state as the page shows it: bar value and words (jobs.js updates both on each poll).
_JOB_STATE = "() => ({value: document.querySelector('section.job progress').value, " \
             "words: document.querySelector('section.job .job-words').textContent.trim()})"


def _wait_running_past(page, value: float) -> dict:
    """Wait until the page shows the job solving (計画中) with the bar beyond `value`; return that state."""
    page.wait_for_function(
        "v => { const b = document.querySelector('section.job progress');"
        " const w = document.querySelector('section.job .job-words');"
        " return b && w && w.textContent.trim() === '計画中' && b.value > v; }",
        arg=value, timeout=JOB_TIMEOUT_MS)
    return page.evaluate(_JOB_STATE)


def _added_stop(instance, version: int) -> tuple[str, str, str]:
    """A stop in `version` of PLAN_WEEK at a resident's the 第1版 did not serve: (its driver's log-in, day, resident).

    Which vehicle serves it depends on the plan the job reached (its time limit, the day it
    ran): a vehicle without a driver account among ``ACCOUNTS`` gets one here.
    """
    from webapp.cli.user import add_user

    with Store.for_instance(instance) as store:
        old = {s.request_id for s in store.plans.get(PLAN_WEEK, 1).stops}
        for s in sorted(store.plans.get(PLAN_WEEK, version).stops, key=lambda s: (s.vehicle_id, s.day, s.seq)):
            if s.request_id is not None and s.request_id not in old:
                request = store.requests.get(s.request_id)
                if request.resident_id is not None:
                    login = next((name for name, (_, vehicle) in ACCOUNTS.items() if vehicle == s.vehicle_id), None)
                    if login is None:
                        login = f"driver-of-{s.vehicle_id}"
                        add_user(store, login, "driver", vehicle_id=s.vehicle_id, password=PASSWORD)
                    return login, s.day.isoformat(), store.residents.get(request.resident_id).name
    pytest.fail(f"第{version}版 serves no new request at a resident's")


def _worse_than_published(instance, version: int) -> bool:
    """Whether `version` of PLAN_WEEK is worse somewhere than the published version (`webapp.publishing.publish_check`)."""
    from webapp.publishing import publish_check

    with Store.for_instance(instance) as store:
        return bool(publish_check(store, PLAN_WEEK, version).worse)


def _newly_planned(instance, version: int) -> int:
    """How many requests `version` of PLAN_WEEK serves that the 第1版 did not (the comparison's 新たに計画)."""
    from scheduler.planning.diff import diff_plans

    with Store.for_instance(instance) as store:
        return len(diff_plans(store.plans.get(PLAN_WEEK, 1), store.plans.get(PLAN_WEEK, version)).newly_served)


def test_plan_with_the_progress_bar_then_compare_and_publish(page_as, shot, live_server):
    """再計画 queues a job; the bar advances, survives reloads; 比較 lists the new rows; 公開する reaches the driver."""
    page = page_as("dispatcher")
    page.goto(f"/dispatch/weeks/{PLAN_WEEK}")
    expect(page.locator(".plan-version")).to_contain_text("第1版")
    expect(page.locator(".plan-version")).to_contain_text("公開済み")
    page.select_option("#time_limit_s", TIME_LIMIT_S)
    shot(page, "week-plan-button")

    with page.expect_navigation():
        page.click("button:has-text('再計画')")
    match = re.search(r"/dispatch/jobs/(\d+)$", page.url)
    assert match, page.url
    job_url = page.url
    box = page.locator("section.job")
    expect(box).to_have_attribute("data-job-url", f"/api/jobs/{match.group(1)}")
    expect(box.locator("h2")).to_contain_text("計画の作成")
    assert f"{TIME_LIMIT_S} 秒" in box.locator(".job-meta").inner_text()

    # the bar moves while the solver runs: two polls in the solve phase, the second further on
    first = _wait_running_past(page, 0)
    assert 10 <= first["value"] < 95  # the solve fills 10–94 (scheduler.plan_job.PlanJob.progress)
    later = _wait_running_past(page, first["value"])
    assert page.inner_text("section.job .job-progress") == f"{int(later['value'])}%"
    # the same poll showed the solver's best plan so far (reported from its first plan on)
    assert re.match(r"途中経過: 計画済み \d+ · 未割当 \d+ · 約束 \d+ / \d+$", page.inner_text("section.job .job-found"))
    shot(page, "planning-progress", docs=True)

    # a reload (of the job page, then of the week board) shows the running job from the server
    page.reload()
    expect(box).to_have_class(re.compile(r"\bjob-running\b"))
    assert page.evaluate(_JOB_STATE)["value"] >= later["value"]
    page.goto(f"/dispatch/weeks/{PLAN_WEEK}")
    expect(page.locator("section.job.job-running")).to_be_visible()
    expect(page.locator("button:has-text('再計画')")).to_have_count(0)  # one job per week

    # when it is done, the board's script opens the job's page with the new version
    page.wait_for_url(job_url, timeout=JOB_TIMEOUT_MS)
    expect(page.locator("section.job .job-result")).to_contain_text("第2版を作成しました")
    assert page.evaluate(_JOB_STATE) == {"value": 100, "words": "完了"}
    expect(page.locator("a:has-text('新しい版を見る')")).to_have_attribute(
        "href", f"/dispatch/weeks/{PLAN_WEEK}?version=2")
    shot(page, "planning-done")

    # 比較: 第1版 (sessions only) → 第2版 (the copied requests planned as well)
    with page.expect_navigation():
        page.click("a:has-text('前の版と比較')")
    expect(page.locator("h1")).to_contain_text("第1版 → 第2版")
    expect(page.locator("h1 .status")).to_have_text("下書き")
    added = page.locator("section.changes-added")
    expect(added.locator("h2")).to_contain_text("新たに計画")
    # the rows are the stored versions' difference, whatever plan this machine's job reached (the
    # copied day-bound requests: dozens, and the commitments-first plan already serves most of them)
    assert added.locator("tbody tr").count() == _newly_planned(live_server.instance, 2) > 0
    summary = page.inner_text(".compare-sum")
    assert f"新たに計画 {added.locator('tbody tr').count()}" in summary
    shot(page, "compare", docs=True)

    # 公開する asks first; accepted, 第2版 is published
    with page.expect_navigation():
        page.click("main a:has-text('← 週間計画')")  # the compare page's way back (the header has one too)
    assert page.url.endswith(f"/dispatch/weeks/{PLAN_WEEK}?version=2")
    expect(page.locator(".plan-version")).to_contain_text("下書き")
    dialogs = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    # where 第2版 is worse than the published 第1版 (what the job reached: a request left out), the
    # form asks for the dispatcher's mark first, as the stored versions say
    mark = page.locator("input[name=confirm_worse]")
    assert mark.count() == (1 if _worse_than_published(live_server.instance, 2) else 0)
    if mark.count():
        mark.check()
    with page.expect_navigation():
        page.click("button:has-text('公開する')")
    assert dialogs == ["第2版を運転手に公開します。よろしいですか？"]
    expect(page.locator("p.flash")).to_contain_text("第2版を公開しました")
    expect(page.locator(".plan-version")).to_contain_text("第2版")
    expect(page.locator(".plan-version .status")).to_have_text("公開済み")
    expect(page.locator("button:has-text('公開する')")).to_have_count(0)

    # the driver of a vehicle with a new stop sees 第2版 on that day
    login, day, resident = _added_stop(live_server.instance, 2)
    driver = page_as(login, TABLET_LANDSCAPE)
    driver.goto(f"/driver/?day={day}")
    expect(driver.locator("h1 .version")).to_have_text("第2版")
    expect(driver.locator("li.card .who", has_text=resident).first).to_be_visible()
