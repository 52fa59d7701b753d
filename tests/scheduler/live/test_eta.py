"""Re-timing a vehicle's day from the crew's reports (scheduler.live.eta)."""

from __future__ import annotations

from scheduler.live.eta import Leg, Report, retime

H = 3600
M = 60


def _route() -> list[Leg]:
    """A depot start at 8:30, three visits 20 min apart with 30 min service, lunch 11:30-13:30, the end."""
    legs = [Leg(0, "start", 8 * H + 30 * M, 8 * H + 30 * M, 8 * H + 30 * M, stop_id=100)]
    t = 8 * H + 30 * M
    for k in range(1, 4):
        arrival = t + 20 * M
        legs.append(Leg(k, "visit", arrival, arrival, arrival + 30 * M, travel_s=20 * M, service_s=30 * M,
                        windows=((8 * H, 17 * H),), stop_id=100 + k))
        t = arrival + 30 * M
    # 8:50-9:20, 9:40-10:10, 10:30-11:00
    legs.append(Leg(4, "break", 11 * H + 30 * M, 11 * H + 30 * M, 12 * H + 30 * M, service_s=H,
                    windows=((11 * H + 30 * M, 12 * H + 30 * M),)))
    legs.append(Leg(5, "visit", 12 * H + 30 * M, 13 * H, 13 * H + 30 * M, travel_s=10 * M, service_s=30 * M,
                    windows=((13 * H, 14 * H),), told=(13 * H, 14 * H), stop_id=105))
    legs.append(Leg(6, "end", 13 * H + 50 * M, 13 * H + 50 * M, 13 * H + 50 * M, travel_s=20 * M,
                    windows=((8 * H, 17 * H),), stop_id=106))
    return legs


def _starts(steps) -> dict[int, int | None]:
    return {s.leg.key: s.start_s for s in steps}


def test_no_report_before_the_day_gives_the_planned_times():
    steps = retime(_route(), [], now_s=7 * H)
    assert [s.state for s in steps] == ["planned"] * 7
    for s in steps:
        assert (s.arrival_s, s.start_s, s.departure_s) == (
            s.leg.planned_arrival_s, s.leg.planned_start_s, s.leg.planned_departure_s), s.leg.key
        assert s.late_by_s == 0


def test_a_stop_done_35_minutes_late_moves_the_later_stops_until_waiting_absorbs_it():
    reports = [Report(101, "arrived", 8 * H + 50 * M), Report(101, "done", 9 * H + 20 * M),
               Report(102, "arrived", 9 * H + 40 * M), Report(102, "done", 10 * H + 45 * M)]  # 35 min late
    steps = retime(_route(), reports, now_s=10 * H + 46 * M)
    by_key = {s.leg.key: s for s in steps}
    assert by_key[2].state == "done" and by_key[2].left_at_s == 10 * H + 45 * M
    assert by_key[3].start_s == 11 * H + 5 * M  # 10:30 + 35 min
    # lunch starts right after stop 3 (12:05 is inside its window), the afternoon visit waits no more
    assert by_key[4].start_s == 11 * H + 35 * M
    assert by_key[5].arrival_s == 12 * H + 45 * M and by_key[5].start_s == 13 * H  # still waits for 13:00
    assert by_key[5].late_by_s == 0
    assert by_key[6].start_s == 13 * H + 50 * M


def test_a_late_afternoon_breaks_the_told_window_and_says_by_how_much():
    reports = [Report(103, "arrived", 13 * H), Report(103, "done", 13 * H + 50 * M)]
    steps = retime(_route(), reports, now_s=13 * H + 50 * M)
    by_key = {s.leg.key: s for s in steps}
    assert by_key[1].state == "passed" and by_key[2].state == "passed"
    # lunch cannot start before 13:50, after its window: taken at once, late by 80 min
    assert by_key[4].start_s == 13 * H + 50 * M and by_key[4].late_by_s == 80 * M
    assert by_key[5].start_s == 15 * H + M * 0 and by_key[5].late_by_s == H
    assert by_key[5].moved_s == 2 * H


def test_a_van_that_has_not_reported_is_taken_to_be_at_its_last_stop():
    reports = [Report(101, "done", 9 * H + 20 * M)]
    # stop 2 was due at 9:40; at 10:00 no word: the van leaves stop 1 now
    steps = retime(_route(), reports, now_s=10 * H)
    by_key = {s.leg.key: s for s in steps}
    assert by_key[2].arrival_s == 10 * H + 20 * M
    assert by_key[3].start_s == 11 * H + 10 * M
    # before 9:40 the same report gives the planned times
    on_time = {s.leg.key: s.start_s for s in retime(_route(), reports, now_s=9 * H + 30 * M)}
    assert on_time[2] == 9 * H + 40 * M


def test_a_stop_under_way_ends_after_its_service_or_now_whichever_is_later():
    steps = retime(_route(), [Report(101, "arrived", 9 * H)], now_s=9 * H + 5 * M)
    by_key = {s.leg.key: s for s in steps}
    assert by_key[1].state == "arrived" and by_key[1].arrived_at_s == 9 * H
    assert by_key[2].arrival_s == 9 * H + 50 * M
    late = {s.leg.key: s for s in retime(_route(), [Report(101, "arrived", 9 * H)], now_s=10 * H)}
    assert late[2].arrival_s == 10 * H + 20 * M


def test_repeated_and_out_of_order_reports_follow_the_latest_time():
    reports = [Report(101, "done", 9 * H + 20 * M), Report(101, "arrived", 8 * H + 50 * M),
               Report(101, "done", 9 * H + 20 * M)]
    steps = retime(_route(), reports, now_s=9 * H + 25 * M)
    first = next(s for s in steps if s.leg.key == 1)
    assert first.state == "done" and first.arrived_at_s == 8 * H + 50 * M and first.left_at_s == 9 * H + 20 * M
    assert _starts(steps)[2] == 9 * H + 40 * M


def test_an_early_van_waits_for_the_window():
    legs = _route()
    steps = retime(legs, [Report(103, "done", 10 * H + 30 * M)], now_s=10 * H + 30 * M)
    by_key = {s.leg.key: s for s in steps}
    # lunch may start only at 11:30; the 13:00 visit waits for its window
    assert by_key[4].start_s == 11 * H + 30 * M
    assert by_key[5].start_s == 13 * H
