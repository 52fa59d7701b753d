"""Hall-session seats on the line world: cancelling one with the reason frees its room and its time, keeps the record."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.booking import (
    SeatAlreadyCancelled,
    SeatError,
    book_seat,
    cancel_seat,
    read_back_seat,
    resident_history,
)
from scheduler.booking.sessions import _room_s, planned_session
from scheduler.domain import RequestKind, SessionDetails, SessionRule
from scheduler.planning import plan_week
from scheduler.store import NotFound
from scheduler.store.check import check_database
from scheduler.store.personal import forget_resident
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    LineMatrix,
    request,
    store_world,
)

H = 3600
#: Two consultations: 300 s set-up + 2 × 1800 s, the whole room of the one-hour session (3900 s).
FILLS_IT = ("consultation", "consultation")


@pytest.fixture
def session(store):
    """A one-hour session at the hall on Tuesday at 9:00, planned (room 3900 s: its length and set-up)."""
    store_world(store)
    details = SessionDetails(site_id=2, rule=SessionRule("weekly", 1), session_s=H,
                             earliest_start_s=9 * H, latest_start_s=9 * H)
    req = store.add_request(request(None, RequestKind.SESSION, details), user="t")
    plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    return req


def _room(store, session) -> tuple[int, int]:
    plan, stop = planned_session(store, session.id, TUE)
    return _room_s(store, plan, stop)


def _planned_length_s(store) -> int:
    plan = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan
    (stop,) = [s for s in plan.stops if s.step_type == "session"]
    return stop.departure_s - stop.start_s


def test_a_cancelled_seat_gives_the_full_session_its_room_back(store, session):
    """A full session refuses a second resident; once the first cancels, the second gets the seat."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date(), services=FILLS_IT)
    assert _room(store, session) == (1, 0)
    with pytest.raises(SeatError, match="no room left"):
        book_seat(store, 2, session.id, TUE, today=NOW.date(), services=("consultation",))
    cancelled = cancel_seat(store, seat.id, reason="入院のため", user="op", now=NOW)
    assert (cancelled.cancelled_at, cancelled.cancel_reason, cancelled.cancelled_by) == (NOW, "入院のため", "op")
    assert _room(store, session) == (0, 3900)
    assert book_seat(store, 2, session.id, TUE, today=NOW.date(), services=("consultation",)).resident_id == 2
    assert check_database(store.db) == []


def test_the_next_plan_no_longer_lengthens_the_session_for_a_cancelled_seat(store, session):
    """The compiler counts active seats only: the session is 4200 s with the seat, back to 3900 s after."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date(), services=FILLS_IT)
    assert _planned_length_s(store) == 4200
    cancel_seat(store, seat.id, reason="都合が悪くなった", user="op", now=NOW)
    assert _planned_length_s(store) == 3900


def test_a_cancelled_seat_stays_on_record_and_reads_back_as_cancelled(store, session):
    """History keeps the seat with its reason; the read-back says it was cancelled; the resident may book again."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date(), services=FILLS_IT)
    cancel_seat(store, seat.id, reason="入院のため", user="op", now=NOW)
    _, seats = resident_history(store, 1)
    assert [(s.id, s.cancelled, s.cancel_reason) for s in seats] == [(seat.id, True, "入院のため")]
    assert store.session_bookings.find(session_request_id=session.id) == []
    text = read_back_seat(store, store.session_bookings.get(seat.id))
    assert "取り消しました" in text and "ご用意" not in text
    again = book_seat(store, 1, session.id, TUE, today=NOW.date(), services=("consultation",))
    assert "承りました" in read_back_seat(store, again)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_refused_naming_the_field(store, session, reason):
    """No reason, no cancel: the message names ``reason`` and the seat stays active."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date())
    with pytest.raises(SeatError, match="^reason: "):
        cancel_seat(store, seat.id, reason=reason, user="op")
    assert not store.session_bookings.get(seat.id).cancelled


def test_a_seat_is_cancelled_once_and_an_unknown_one_not_at_all(store, session):
    """Twice: refused saying when and by whom, the first record kept; an unknown id: not found."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date())
    cancel_seat(store, seat.id, reason="入院のため", user="op", now=NOW)
    with pytest.raises(SeatAlreadyCancelled, match="already cancelled on 2026-11-27 15:00 by op"):
        cancel_seat(store, seat.id, reason="again", user="op2", now=NOW + dt.timedelta(hours=1))
    kept = store.session_bookings.get(seat.id)
    assert (kept.cancel_reason, kept.cancelled_by) == ("入院のため", "op")
    with pytest.raises(NotFound, match="session booking 999 not found"):
        cancel_seat(store, 999, reason="x", user="op")


def test_check_finds_a_cancelled_seat_without_reason_or_who(store, session):
    """A seat cancelled behind the store's back, saying neither why nor who, is reported by id."""
    seat = book_seat(store, 1, session.id, TUE, today=NOW.date())
    store.db.execute("UPDATE session_bookings SET cancelled_at = '2026-11-27T15:00:00' WHERE id = ?", [seat.id])
    assert check_database(store.db) == [f"session booking {seat.id}: cancelled without a reason and who cancelled it"]


def test_forgetting_a_resident_cancels_their_seats_and_redacts_the_reasons(store, session):
    """Active seats are cancelled with a neutral reason; reasons given before (free text) become [削除]."""
    old = book_seat(store, 1, session.id, TUE, today=NOW.date())
    cancel_seat(store, old.id, reason="入院のため", user="op", now=NOW)
    active = book_seat(store, 1, session.id, TUE, today=NOW.date())
    report = forget_resident(store, 1, user="admin")
    assert report.seats_cancelled == 1 and "1 hall-session seats cancelled" in report.format()
    assert store.session_bookings.get(old.id).cancel_reason == "[削除]"
    assert store.session_bookings.get(active.id).cancelled
    assert check_database(store.db) == []


def test_no_seat_in_a_session_of_a_past_day(store, session):
    """The day after the session (the city's today): the seat is refused naming the day, nothing stored."""
    with pytest.raises(SeatError, match=r"^day: 2026-12-01 is in the past \(today is 2026-12-02\)"):
        book_seat(store, 1, session.id, TUE, today=TUE + dt.timedelta(days=1))
    assert store.session_bookings.find() == []
