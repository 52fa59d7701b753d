"""The sample week's day as it happens: ETAs from reports, the call list (scheduler.live)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from scheduler.domain import DAY_S, TimeWindow
from scheduler.live.calls import call_list, read_back
from scheduler.live.day import live_day
from scheduler.store import Store

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)


@pytest.fixture
def store(published_sample_week, tmp_path):
    folder = tmp_path / "instance"
    shutil.copytree(published_sample_week, folder)
    with Store.for_instance(folder) as s:
        yield s


def _at(day: dt.date, week_s: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=week_s % DAY_S)


def test_every_route_of_the_week_without_reports_re_times_to_its_plan(store):
    for offset in range(5):
        day = WEEK + dt.timedelta(days=offset)
        live = live_day(store, day, dt.datetime.combine(day, dt.time(6)))
        assert live.vehicles, day
        for vday in live.vehicles:
            for step in vday.steps:
                stop = step.stop
                assert (step.eta.arrival_s, step.eta.start_s, step.eta.departure_s) == (
                    stop.arrival_s, stop.start_s, stop.departure_s), (day, vday.vehicle_id, stop.seq)
        assert call_list(live) == []


def _route(store, vehicle_id: int = 1):
    live = live_day(store, DAY, dt.datetime.combine(DAY, dt.time(6)))
    vday = next(v for v in live.vehicles if v.vehicle_id == vehicle_id)
    return [s for s in vday.steps if s.stop.request_id is not None]


def test_a_stop_done_35_minutes_late_moves_every_later_eta_and_puts_the_broken_promise_on_the_call_list(store):
    steps = _route(store)
    assert len(steps) >= 6
    late_s = 35 * 60
    # the crew reports the first three on time, the fourth ends 35 minutes late
    for step in steps[:4]:
        stop = step.stop
        end = stop.departure_s + (late_s if step is steps[3] else 0)
        now = _at(DAY, end)
        store.mark_stop(stop.id, "arrived", user="driver1", at=_at(DAY, stop.arrival_s), now=now)
        store.mark_stop(stop.id, "done", user="driver1", at=_at(DAY, end), now=now)
    now = _at(DAY, steps[3].stop.departure_s + late_s)
    live = live_day(store, DAY, now)
    vday = next(v for v in live.vehicles if v.vehicle_id == 1)
    by_id = {s.stop.id: s for s in vday.steps}
    assert [by_id[s.stop.id].state for s in steps[:4]] == ["done"] * 4
    # every later ETA moves by the 35 minutes, less the waiting it had (re-timed by hand here)
    clock = steps[3].stop.departure_s + late_s
    previous = steps[3].stop
    for step in steps[4:]:
        stop = step.stop
        planned_gap = stop.arrival_s - previous.departure_s  # driving and breaks between them
        arrival = clock + planned_gap
        got = by_id[stop.id].eta
        windows = stop.windows or ((0, 10 * DAY_S),)
        start = next((max(arrival, lo) for lo, hi in sorted(windows) if arrival <= hi), arrival)
        if previous is steps[3].stop or not any(s.stop.step_type == "break" for s in vday.steps
                                                 if previous.seq < s.stop.seq < stop.seq):
            assert got.arrival_s == arrival, stop.seq
            assert got.start_s == start, stop.seq
        clock, previous = got.departure_s, stop
    # whoever was told a window that now breaks by more than 15 minutes is on the list; the rest not
    calls = {c.stop_id: c for c in call_list(live)}
    for step in [by_id[s.stop.id] for s in steps[4:]]:
        told = step.told
        if told is None:
            continue
        closes = (told.day - WEEK).days * DAY_S + told.end_s
        if step.eta.start_s > closes + 15 * 60 or (step.request.promised and step.eta.start_s > closes):
            assert step.stop.id in calls
        elif step.eta.start_s <= closes:
            assert step.stop.id not in calls
    assert calls, "35 minutes late at the 4th stop breaks somebody's window"
    call = next(iter(calls.values()))
    assert "お出かけ市役所です" in read_back(call, "斎藤 キヨ") and "ごろ" in read_back(call)


def test_a_promise_broken_by_minutes_is_a_call_and_a_told_window_kept_is_not(store):
    steps = _route(store)
    first = steps[0].stop
    now = _at(DAY, first.departure_s + 5 * 60)
    store.mark_stop(first.id, "done", user="driver1", at=now, now=now)  # 5 minutes late
    moved = [s for s in live_day(store, DAY, now).vehicles[0].steps
             if s.told is not None and 0 < (s.eta.moved_s or 0) <= 5 * 60]
    assert moved, "a 5-minute delay at the first stop reaches a later resident"
    target = moved[-1]
    # that resident booked on the phone, promised a window ending at the planned start
    req = target.request
    start = target.stop.start_s % DAY_S
    req.promised = TimeWindow(DAY, start - 3600, start)
    store.requests.update(req)
    live = live_day(store, DAY, now)
    calls = {c.stop_id: c for c in call_list(live)}
    assert target.stop.id in calls and calls[target.stop.id].reason == "promise_broken"
    assert 0 < calls[target.stop.id].moved_s <= 5 * 60
    # a told window (from the published plan, not promised) left by 5 minutes at most: no call
    kept = [s for v in live.vehicles for s in v.steps if s.told is not None and s.request.promised is None
            and s.eta.start_s is not None]
    assert kept and all(s.stop.id not in calls for s in kept)


def test_reports_out_of_order_and_repeated_are_kept_once_and_the_status_follows_the_latest(store):
    stop = _route(store)[0].stop
    now = _at(DAY, stop.departure_s + 600)
    store.mark_stop(stop.id, "done", user="a", at=_at(DAY, stop.departure_s), now=now)
    after_done = store.mark_stop(stop.id, "done", user="a", at=_at(DAY, stop.departure_s), now=now)  # sent again
    req = store.mark_stop(stop.id, "arrived", user="b", at=_at(DAY, stop.arrival_s), now=now)  # late tablet
    assert req.status == after_done.status
    events = store.request_events.reports_at([stop.id])
    assert [(e.action, e.at) for e in events][-2:] == [("arrived", _at(DAY, stop.arrival_s)),
                                                       ("done", _at(DAY, stop.departure_s))]
    assert sum(e.action == "done" for e in events) == len([e for e in events if e.action == "done"])
    assert all(e.received_at is not None for e in events)


@pytest.mark.parametrize("when", ["future", "other_day"])
def test_a_report_in_the_future_or_on_another_day_is_refused_and_nothing_stored(store, when):
    from routing.errors import InputError

    stop = _route(store)[0].stop
    now = _at(DAY, stop.arrival_s)
    at = now + dt.timedelta(hours=1) if when == "future" else now - dt.timedelta(days=1)
    with pytest.raises(InputError, match="^at: "):
        store.mark_stop(stop.id, "arrived", user="a", at=at, now=now)
    assert store.request_events.reports_at([stop.id]) == []


def test_a_re_timing_that_fails_shows_the_plan_and_is_logged_never_failing_the_report(store, monkeypatch, caplog):
    import scheduler.live.day as day_module

    stop = _route(store)[0].stop
    now = _at(DAY, stop.departure_s)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(day_module, "retime", broken)
    store.mark_stop(stop.id, "done", user="a", at=now, now=now)  # stored: nothing is re-timed on write
    live = live_day(store, DAY, now)
    assert all(s.eta.start_s == s.stop.start_s for v in live.vehicles for s in v.steps)
    assert "re-timing vehicle" in caplog.text
    assert store.request_events.reports_at([stop.id])


def test_a_stop_at_a_site_phones_its_requests_resident(store):
    """A return ride picked up at the hall (a stop at a site, no resident of its own) is a call to the rider."""
    at_sites = []
    for offset in range(5):
        day = WEEK + dt.timedelta(days=offset)
        live = live_day(store, day, dt.datetime.combine(day, dt.time(9)))
        at_sites += [(live, s) for v in live.vehicles for s in v.steps if s.stop.resident_id is None
                     and s.request is not None and s.request.kind.value != "session"]
        for call in call_list(live):
            step = live.step(call.stop_id)[1]
            if step.request.kind.value != "session":
                assert call.residents == (step.request.resident_id,), (day, call.request_id)
    assert at_sites, "the sample week has no return ride picked up at a site"
    assert all(live.whom(step) == (step.request.resident_id,) for live, step in at_sites)
