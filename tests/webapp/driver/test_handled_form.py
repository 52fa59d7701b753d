"""What a 完了 records from the tablet's plain form (issue 27): the pre-filled counters, what the driver changed."""

from __future__ import annotations

import re

import pytest

from tests.webapp.conftest import WEEK, clock_on, csrf_token, login


def _done(client, stop_id, **fields):
    return client.post(f"/driver/stops/{stop_id}/report",
                       data={"action": "done", "note": "", "csrf_token": csrf_token(client), **fields})


@pytest.fixture
def visit(app, client, store, route):
    """Driver 1 on their first day, logged in; the first home visit of the route."""
    day, stops = route
    clock_on(app, day)
    login(client, "driver1")
    return next(s for s in stops if s.step_type == "visit")


def test_a_visit_card_pre_fills_the_asked_services_once_each(client, store, visit):
    page = client.get(f"/driver/?day={visit.day}").text
    asked = store.requests.get(visit.request_id).details.services
    card = page[page.index(f'data-stop="{visit.id}"'):]
    card = card[:card.index("</li>")]
    for code in asked:
        assert re.search(rf'name="svc-{code}" value="1"', card)
    assert "対応した内容" in card and "を1つ増やす" in card


def test_the_form_records_what_the_driver_changed(client, store, visit):
    asked = store.requests.get(visit.request_id).details.services
    fields = {f"svc-{code}": "0" for code in asked}
    fields[f"svc-{asked[0]}"] = "3"
    answer = _done(client, visit.id, **fields)
    assert answer.status_code == 302
    record = store.handled_at([visit.id])[visit.id]
    assert record.services == {asked[0]: 3}
    assert store.request_events.reports_at([visit.id])[-1].action == "done"


@pytest.mark.parametrize("count", ["二", "²", "-1"])  # '²'.isdigit() is true, int('²') fails
def test_a_count_that_is_not_a_whole_number_is_refused_in_japanese_and_nothing_stored(client, store, visit, count):
    code = store.requests.get(visit.request_id).details.services[0]
    answer = _done(client, visit.id, **{f"svc-{code}": count})
    assert answer.status_code == 400
    assert "記録できません" in answer.text and "の整数ではありません" in answer.text
    assert store.handled_at([visit.id]) == {} and store.request_events.reports_at([visit.id]) == []


def test_a_hall_session_records_walk_ins_per_service(app, client, store):
    plan = store.plans.published(WEEK)
    session = next(s for s in plan.stops if s.step_type == "session" and s.vehicle_id == 1)
    clock_on(app, session.day)
    login(client, "driver1")
    page = client.get(f"/driver/?day={session.day}").text
    assert f'id="h{session.id}-walk-residence_certificate"' in page
    assert _done(client, session.id, **{"walk-residence_certificate": "2"}).status_code == 302
    assert store.handled_at([session.id])[session.id].walk_ins == {"residence_certificate": 2}


def test_an_errand_drop_off_records_boxes_and_the_amount(app, client, store):
    plan = store.plans.published(WEEK)
    drop = next(s for s in plan.stops if s.step_type == "delivery" and s.vehicle_id == 1
                and store.requests.get(s.request_id).kind.value == "errand")
    clock_on(app, drop.day)
    login(client, "driver1")
    page = client.get(f"/driver/?day={drop.day}").text
    assert f'id="h{drop.id}-boxes"' in page and f'id="h{drop.id}-collected_yen"' in page
    assert _done(client, drop.id, boxes="2", collected_yen="1500").status_code == 302
    record = store.handled_at([drop.id])[drop.id]
    assert (record.boxes, record.collected_yen) == (2, 1500)
