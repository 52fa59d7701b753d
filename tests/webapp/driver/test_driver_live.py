"""The driver's cards follow reality (見込み, 約n分遅れ, 実績) and the tablet's offline pieces are served."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from scheduler.domain import DAY_S, hhmm
from tests.webapp.conftest import login

STATIC = Path(__file__).resolve().parents[3] / "webapp" / "driver" / "static"


def _cards(page: str) -> dict[int, str]:
    """Each card's HTML by its plan stop id."""
    chunks = page.split('<li class="card')[1:]
    return {int(re.search(r'data-stop="(\d+)"', c).group(1)): c.split("</li>")[0] for c in chunks}


def test_cards_show_the_live_etas_lateness_and_what_happened(app, client, store, route):
    """The first stop done 90 minutes late: each card says what /live says, 見込み, 約n分遅れ and the 実績."""
    day, stops = route
    first = stops[0]
    left = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=first.departure_s % DAY_S + 90 * 60)
    app.config["ODEKAKE_NOW"] = (left + dt.timedelta(minutes=1)).isoformat()
    store.mark_stop(first.id, "done", user="driver1", at=left, now=left + dt.timedelta(minutes=1))
    login(client, "driver1")
    cards = _cards(client.get(f"/driver/?day={day}").text)
    live = client.get(f"/api/days/{day}/live").json["vehicles"][0]["stops"]
    assert f"実績 {hhmm(left.hour * 3600 + left.minute * 60)}</span>" in cards[first.id]  # 完了 alone: one time
    late_cards = 0
    for step in live:
        card = cards[step["id"]]
        if step["state"] != "planned" or step["kind"] not in ("visit", "session", "pickup", "delivery"):
            continue
        assert f"見込み <time>{step['eta']}</time>" in card
        assert f'data-eta="{step["eta_s"]}"' in card and f'data-late="{step["late_by_s"]}"' in card
        if step["late_by_s"] > 0:
            late_cards += 1
            assert f'<span class="late">約{math.ceil(step["late_by_s"] / 60)}分遅れ</span>' in card
        else:
            assert '<span class="late" hidden></span>' in card
    assert late_cards > 0  # 90 minutes late breaks some told window


def test_the_page_carries_the_servers_clock_and_the_api_to_send_to(app, client, route):
    """The tablet times its presses on the server's clock (with the city's offset) and sends them to the API."""
    day, _ = route
    app.config["ODEKAKE_NOW"] = f"{day.isoformat()}T10:15:30"
    login(client, "driver1")
    page = client.get(f"/driver/?day={day}").text
    assert f'data-server-now="{day.isoformat()}T10:15:30+09:00"' in page
    assert 'data-status-url="/api/stops/0/status"' in page
    assert 'data-sw-url="/driver/sw.js"' in page and 'data-sw-scope="/driver/"' in page
    assert re.search(r'data-t-count="未送信 \{n\}件"', page)


def test_the_service_worker_is_served_from_the_drivers_folder_without_a_log_in(client):
    """/driver/sw.js: a same-origin script (scope /driver/), allowed by the page's policy, never cached by HTTP."""
    answer = client.get("/driver/sw.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]  # worker-src falls back to it
    assert answer.headers["Cache-Control"] == "no-store"  # a new version reaches the tablets at once
    assert "http://" not in answer.text and "https://" not in answer.text  # no other host


def test_page_and_worker_fill_the_same_cache():
    """driver.js keeps the first visit in the cache the worker serves from (one name in both)."""
    name = re.compile(r'const CACHE = "([^"]+)"')
    assert name.search((STATIC / "driver.js").read_text()).group(1) == name.search((STATIC / "sw.js").read_text()).group(1)
