"""An urgent same-day request at the operator's phone (issue 26): today's slots from now on, on the driver's list.

The sample week published; at 11:00 on its Tuesday the crews have reported the
stops they reached. The operator's offers for today (API and booking screen)
never start before 11:00; confirming one puts the visit on the driver's cards
for today at once.
"""

from __future__ import annotations

from tests.scheduler.planning.test_replan_day import DAY, report_morning
from tests.webapp.conftest import PASSWORD, WEEK, csrf_token, login

URGENT = {"resident": 1, "kind": "visit", "services": ["mynumber_application"],
          "earliest": DAY.isoformat(), "latest": DAY.isoformat()}


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def test_todays_offers_start_after_now_and_a_confirmed_one_is_on_the_drivers_cards(app, client, store):
    from webapp.cli.user import add_user

    app.config["ODEKAKE_NOW"] = f"{DAY.isoformat()}T11:00"
    report_morning(store, late_s={1: 600})
    assert login(client, "operator").status_code == 302
    token = {"X-CSRFToken": csrf_token(client)}
    offers = client.post("/api/offers", json=URGENT, headers=token).json["offers"]
    today = [o for o in offers if o["day"] == DAY.isoformat()]
    assert today and all(_minutes(o["start"]) >= 11 * 60 and _minutes(o["expected"]) >= 11 * 60 for o in today)
    # the booking screen offers the same slots of today, marked as worked out from the vans as they run
    page = client.post(f"/booking/residents/{URGENT['resident']}/requests/visit",
                       data={"csrf_token": token["X-CSRFToken"], "services": "mynumber_application",
                             "earliest": DAY.isoformat(), "latest": DAY.isoformat()})
    assert page.status_code == 200, page.text[:500]
    assert f"{today[0]['start']}–{today[0]['end']}" in page.text and "本日・いまの運行から" in page.text
    chosen = today[0]
    made = client.post("/api/bookings", headers=token, json={"draft": URGENT, "offer": {
        "day": chosen["day"], "start": chosen["start"], "end": chosen["end"]}})
    assert made.status_code == 201, made.json
    request_id = made.json["request_id"]
    published = store.plans.published(WEEK)
    stop = next(s for s in published.stops if s.request_id == request_id)
    assert (stop.vehicle_id, stop.day) == (chosen["vehicle_id"], DAY)
    # the driver of that van sees it on today's cards
    login_name = f"driver_v{stop.vehicle_id}"
    add_user(store, login_name, "driver", vehicle_id=stop.vehicle_id, password=PASSWORD)
    driver = app.test_client()
    assert login(driver, login_name).status_code == 302
    cards = driver.get(f"/driver/?day={DAY.isoformat()}")
    assert cards.status_code == 200 and f'data-stop="{stop.id}"' in cards.text
