"""今日の運行 and 連絡リスト: the live day per vehicle, the banner of broken windows, the call list and its outcomes."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from scheduler.domain import DAY_S
from scheduler.domain.times import week_monday
from tests.webapp.conftest import csrf_token, login

#: How late the van is after its first stop (every later told window breaks by far more than the margin).
LATE = dt.timedelta(minutes=90)


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds % DAY_S)


@pytest.fixture
def late_day(app, route, store):
    """Driver 1 finishes the first stop 90 minutes after its planned departure; the clock a minute later."""
    day, stops = route
    first = stops[0]
    at = _at(day, first.departure_s) + LATE
    now = at + dt.timedelta(minutes=1)
    store.mark_stop(first.id, "arrived", user="driver1", at=_at(day, first.arrival_s) + LATE, now=now)
    store.mark_stop(first.id, "done", user="driver1", at=at, now=now)
    app.config["ODEKAKE_NOW"] = now.isoformat()
    return day, stops


def _office(app, name="dispatcher"):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def _row(html: str, stop_id: int) -> str:
    found = re.search(rf'<tr class="[^"]*" data-stop-id="{stop_id}".*?</tr>', html, re.DOTALL)
    assert found, f"no row for stop {stop_id}"
    return found.group(0)


@pytest.mark.parametrize("name", ["dispatcher", "operator", "admin"])
def test_the_office_sees_every_vehicle_of_the_day_and_drivers_do_not(app, route, name):
    day, stops = route
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T08:00"
    page = _office(app, name).get(f"/dispatch/days/{day.isoformat()}")
    assert page.status_code == 200
    assert "今日の運行" in page.text and 'data-refresh-s="20"' in page.text
    assert page.text.count('<section class="vehicle"') >= 2  # every vehicle of the day
    row = _row(page.text, stops[0].id)
    assert "予定" in row and "state-planned" in row
    driver = app.test_client()
    login(driver, "driver1")
    assert driver.get(f"/dispatch/days/{day.isoformat()}").status_code == 403
    assert driver.get(f"/dispatch/days/{day.isoformat()}/calls").status_code == 403


def test_today_opens_the_city_s_day(app, route):
    day, _ = route
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T08:00"
    answer = _office(app).get("/dispatch/today")
    assert answer.status_code == 302 and answer.location.endswith(f"/dispatch/days/{day.isoformat()}")


def test_reports_show_as_states_actual_times_and_late_etas_and_the_banner_names_the_broken_windows(
        app, late_day, store):
    day, stops = late_day
    first, second = stops[0], stops[1]
    page = _office(app).get(f"/dispatch/days/{day.isoformat()}")
    html = page.text
    done = _row(html, first.id)
    assert "完了" in done and "state-done" in done
    arrived = (_at(day, first.arrival_s) + LATE).strftime("%-H:%M")
    left = (_at(day, first.departure_s) + LATE).strftime("%-H:%M")
    assert f"{arrived}–{left}" in done
    live = _office(app, "operator").get(f"/api/days/{day.isoformat()}/live").json
    by_id = {s["id"]: s for v in live["vehicles"] for s in v["stops"]}
    after = _row(html, second.id)
    assert f'<td class="eta">{by_id[second.id]["eta"]}</td>' in after and "state-planned" in after
    assert by_id[second.id]["eta_s"] > second.start_s % DAY_S  # the van's delay moved it later
    assert live["late"], "90 minutes late broke no window"
    for stop_id in live["late"]:
        if f'data-stop-id="{stop_id}"' in html:
            minutes = -(-by_id[stop_id]["late_by_s"] // 60)
            assert f"{minutes}分遅れ" in _row(html, stop_id)
    assert "最終報告 1分前" in html
    banner = re.search(r'<section id="late-banner".*?</section>', html, re.DOTALL).group(0)
    assert "hidden" not in banner.split(">", 1)[0]
    items = re.findall(r'<li data-stop-id="(\d+)"', banner)
    late_ids = set(live["late"])
    assert items and {int(i) for i in items} <= late_ids
    assert f"/dispatch/days/{day.isoformat()}/calls#call-" in banner


def test_the_call_list_shows_whom_to_phone_and_records_outcomes_and_a_cancellation(app, late_day, store):
    day, _ = late_day
    office = _office(app, "operator")
    calls = office.get(f"/api/days/{day.isoformat()}/calls").json["calls"]
    assert calls, "90 minutes late put nobody on the call list"
    page = office.get(f"/dispatch/days/{day.isoformat()}/calls")
    assert page.status_code == 200
    first = calls[0]
    row = re.search(rf'<tr id="call-{first["id"]}".*?</tr>', page.text, re.DOTALL).group(0)
    assert first["name"] in row and first["phone"] in row
    assert first["read_back"] in row and "お出かけ市役所です" in row
    assert first["told"]["text"] in row and first["expected"] in row
    assert {"伝えた時間より遅れます", "約束の時間に間に合いません"} & set(re.findall(r'<td class="reason">(.*?)</td>', row))
    for word in ("連絡済み", "不在・折返し待ち", "変更了承", "取消希望"):
        assert word in row
    viewed = store.audit_log.latest(limit=1)[0]
    assert (viewed.action, viewed.subject, viewed.where) == ("view", "resident", "dispatch.calls")
    assert first["resident_id"] in viewed.subject_ids
    token = csrf_token(office)
    noted = office.post(f"/dispatch/calls/{first['id']}", data={"outcome": "no_answer", "note": "留守電に伝言",
                                                                 "csrf_token": token}, follow_redirects=True)
    assert "記録しました" in noted.text
    row = re.search(rf'<tr id="call-{first["id"]}".*?</tr>', noted.text, re.DOTALL).group(0)
    assert "noted" in row and "不在・折返し待ち" in row and "留守電に伝言" in row
    assert store.call_outcomes.on(day)[-1].outcome == "no_answer"
    refused = office.post(f"/dispatch/calls/{first['id']}", data={"outcome": "maybe", "csrf_token": token},
                          follow_redirects=True)
    assert "記録できません" in refused.text
    cancelled = office.post(f"/dispatch/calls/{first['id']}", data={"outcome": "cancel", "note": "今日は不要",
                                                                     "csrf_token": token}, follow_redirects=True)
    assert "依頼を取り消しました" in cancelled.text
    assert store.requests.get(first["request_id"]).status.value == "cancelled"
    assert f'id="call-{first["id"]}"' not in cancelled.text  # a cancelled request leaves the list


def test_the_call_list_prints_on_a4_without_the_forms(app, late_day):
    day, _ = late_day
    page = _office(app, "operator").get(f"/dispatch/days/{day.isoformat()}/calls").text
    assert 'class="call-form no-print"' in page and '<nav class="days no-print">' in page
    assert f"{day.year}年{day.month}月{day.day}日" in page  # the printed header: the day with its year
    answer = app.test_client().get("/dispatch/static/day.css")
    css = answer.text
    answer.close()  # static files are streamed from open files
    printed = re.search(r"@media print \{(.*)\}\s*$", css, re.DOTALL).group(1)
    assert "@page { size: A4 landscape" in printed
    hidden = re.search(r"([^{}]*)\{ display: none !important; \}", printed).group(1)
    assert {"header.top", ".no-print", "form"} <= {h.strip() for h in hidden.split(",")}


def test_the_english_screens_have_no_japanese_staff_words_left(app, late_day):
    day, _ = late_day
    office = _office(app)
    office.get("/lang/en")
    for url in (f"/dispatch/days/{day.isoformat()}", f"/dispatch/days/{day.isoformat()}/calls"):
        html = office.get(url).text
        # what residents typed (names, places) and the read-back said on the phone stay Japanese
        html = re.sub(r'<td class="(place|read-back)"[^>]*>.*?</td>', "", html, flags=re.DOTALL)
        html = re.sub(r'<span class="p">.*?</span>', "", html, flags=re.DOTALL)
        html = re.sub(r"<td>[^<]*<span class=\"request\">", "<td><span>", html)
        html = re.sub(r'data-confirm="[^"]*"', "", html)
        labels = re.findall(r">([^<>]*[\u3040-\u30ff\u4e00-\u9fff][^<>]*)<", html)
        staff = [t for t in labels if any(w in t for w in (
            "予定", "完了", "見込み", "遅れ", "連絡", "伝えた", "状態", "取消", "報告", "更新", "前日", "翌日"))]
        assert staff == [], (url, staff[:5])


def _stop_of(stops, store, kind: str):
    return next((s for s in stops if store.requests.get(s.request_id).kind.value == kind and s.step_type == kind), None)


def test_done_from_the_day_screen_records_what_was_handled_as_the_tablet_does(app, route, store):
    day, _ = route
    plan = store.plans.published(week_monday(day))
    stops = sorted((s for s in plan.stops if s.day == day and s.request_id is not None), key=lambda s: (s.vehicle_id, s.seq))
    visit = _stop_of(stops, store, "visit")
    asked = store.requests.get(visit.request_id).details.services
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T08:00"
    client = _office(app)
    page = client.get(f"/dispatch/days/{day.isoformat()}")
    row = _row(page.text, visit.id)
    assert "完了を記録" in row and "対応した内容" in row  # the tablet's counters, pre-filled: what was asked, once each
    for code in asked:
        assert re.search(rf'name="svc-{code}" value="1"', row), code
    form = {f"svc-{code}": "1" for code in asked} | {f"svc-{asked[0]}": "2", "csrf_token": csrf_token(client)}
    bad = client.post(f"/dispatch/stops/{visit.id}/done", data=form | {f"svc-{asked[0]}": "many"})
    assert bad.status_code == 303 and "#stop-" in bad.location
    shown = client.get(bad.location.split("#")[0])
    error = re.search(r"<p class=\"flash flash-error\" role=\"alert\">([^<]*)</p>", shown.text).group(1)
    name = store.services.get(asked[0]).name_ja
    assert error == f"記録できません。用件（{name}）: &#39;many&#39; は0〜999の整数ではありません"
    assert store.db.execute("SELECT COUNT(*) FROM stop_handled WHERE stop_id = ?", [visit.id]).fetchone()[0] == 0
    done = client.post(f"/dispatch/stops/{visit.id}/done", data=form)
    assert done.status_code == 303
    recorded = store.db.execute("SELECT services, user FROM stop_handled WHERE stop_id = ?", [visit.id]).fetchone()
    assert json.loads(recorded[0]) == {code: 2 if code == asked[0] else 1 for code in asked} and recorded[1] == "dispatcher"
    after = client.get(done.location.split("#")[0]).text
    assert "完了を記録しました" in after and "state-done" in _row(after, visit.id)
    assert "完了を記録" not in _row(after, visit.id).replace("完了を記録しました", "")


def test_done_from_the_day_screen_counts_walk_ins_at_a_hall_session(app, route, store):
    day, _ = route
    plan = store.plans.published(week_monday(day))
    sessions = [s for s in plan.stops if s.step_type == "session" and s.day >= day]
    assert sessions, "the sample week has hall sessions"
    session = sessions[0]
    app.config["ODEKAKE_NOW"] = f"{session.day.isoformat()}T08:00"
    client = _office(app, "admin")
    row = _row(client.get(f"/dispatch/days/{session.day.isoformat()}").text, session.id)
    codes = re.findall(r'name="walk-([\w-]+)" value="0"', row)
    assert codes  # a walk-in counter per service
    answer = client.post(f"/dispatch/stops/{session.id}/done", data={f"walk-{codes[0]}": "3", "csrf_token": csrf_token(client)})
    assert answer.status_code == 303
    walk_ins = store.db.execute("SELECT walk_ins FROM stop_handled WHERE stop_id = ?", [session.id]).fetchone()[0]
    assert json.loads(walk_ins) == {codes[0]: 3}


def test_operators_see_the_day_without_recording(app, route, store):
    day, stops = route
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T08:00"
    client = _office(app, "operator")
    assert "完了を記録" not in client.get(f"/dispatch/days/{day.isoformat()}").text
    assert client.post(f"/dispatch/stops/{stops[0].id}/done", data={"csrf_token": csrf_token(client)}).status_code == 403
