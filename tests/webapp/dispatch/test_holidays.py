"""The week board says which hall sessions moved for a holiday (issue 26), in Japanese and English.

The sample's weekly Monday session (SAMPLE-Q-S01) falls on 成人の日, 2027-01-11, in the
instance copy; the week is planned there and its board read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from routing.network import RoadNetwork
from scheduler.domain import SessionBooking
from scheduler.planning import plan_week
from scheduler.vrp.params import SolveParams
from tests.webapp.conftest import login

HOLIDAY_WEEK = dt.date(2027, 1, 11)


def _plan_holiday_week(instance, store, *, on_holiday: str = "move"):
    """Book a resident into the Monday session, set its rule, plan the week; return the session's hall name."""
    session = store.requests.by_external_id("SAMPLE-Q-S01")
    store.requests.update(dataclasses.replace(session, details=dataclasses.replace(session.details,
                                                                                  on_holiday=on_holiday)))
    store.session_bookings.add(SessionBooking(session.id, store.residents.all()[0].id, HOLIDAY_WEEK, ("consultation",)))
    plan_week(store, RoadNetwork.from_instance(instance), HOLIDAY_WEEK,
              params=SolveParams(time_limit_s=60, solution_limit=1), now=dt.datetime(2027, 1, 8, 9, 0))
    return store.sites.get(session.details.site_id).name


@pytest.fixture
def moved_board(instance, store, client):
    """The holiday week planned with the default rule; the dispatcher logged in."""
    hall = _plan_holiday_week(instance, store)
    login(client, "dispatcher")
    return client, hall


def test_board_says_the_session_moved_in_japanese(moved_board):
    """「1月11日(月・成人の日) の巡回（hall）は 1月12日(火) に移しました」 and the seat to phone."""
    client, hall = moved_board
    page = client.get(f"/dispatch/weeks/{HOLIDAY_WEEK}")
    assert page.status_code == 200
    assert f"1月11日(月・成人の日) の巡回（{hall}）は 1月12日(火) に移しました" in page.text
    assert "予約1名の席が変わりました。連絡してください" in page.text


def test_board_says_the_session_moved_in_english(moved_board):
    """The same line in English, the holiday keeping its name."""
    client, hall = moved_board
    client.get("/lang/en")
    page = client.get(f"/dispatch/weeks/{HOLIDAY_WEEK}")
    assert f"The session at {hall} on Mon 11 Jan (成人の日) moved to Tue 12 Jan" in page.text
    assert "1 booked seats changed: phone the residents" in page.text


def test_board_says_a_cancelled_session_and_the_request_history_words_it(instance, store, client):
    """Rule cancel: the board says the session is cancelled; the request's event reads in staff words."""
    from webapp.i18n import event_words

    hall = _plan_holiday_week(instance, store, on_holiday="cancel")
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{HOLIDAY_WEEK}")
    assert f"1月11日(月・成人の日) の巡回（{hall}）は休日のため中止しました" in page.text
    session = store.requests.by_external_id("SAMPLE-Q-S01")
    [event] = [e for e in store.request_events.of_request(session.id) if e.cause == "cancelled_for_holiday"]
    assert event_words(event) == "1月11日(月・成人の日) の巡回を中止しました（休日のため）"
