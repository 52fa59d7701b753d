"""Compile requests and shifts into the problem format, checked by hand on the line world.

Week of Monday 2026-11-30; Tuesday starts at week second 86400. Depot at post 0,
shop post 5, hall post 10, clinic post 20, residents at posts 3 and 12.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.compiler import (
    SKILL_IDS,
    CompileError,
    compile_week,
    due_this_week,
    request_priority,
)
from scheduler.domain import (
    ErrandDetails,
    ErrandPickup,
    RequestKind,
    RequestStatus,
    RideDetails,
    SessionBooking,
    SessionDetails,
    SessionRule,
    Skill,
    TimeWindow,
    VisitDetails,
)
from scheduler.service_calendar import session_days_of_week
from scheduler.vrp.problem import parse_problem
from tests.scheduler.planning_world import (
    NOW,
    TUE,
    WEEK,
    H,
    LineMatrix,
    post,
    request,
    shifts_for,
    tiny_world,
)

DAYS = [WEEK + dt.timedelta(days=i) for i in range(5)]
SAT = WEEK + dt.timedelta(days=5)


def _compile(requests, *, days=(WEEK, TUE), service_days=DAYS, world=None, provider=None, bookings=()):
    w = world or tiny_world()
    return compile_week(
        WEEK, requests, residents=w["residents"], sites=w["sites"], vehicles=w["vehicles"],
        shifts=shifts_for(w["vehicles"], list(days)), services=w["services"],
        service_days=list(service_days), matrix_provider=provider or LineMatrix(), now=NOW,
        bookings=bookings)


def test_vehicles_are_one_per_shift_with_hours_lunch_capacity_skills_costs():
    """Each (vehicle, day) becomes a solver vehicle in week seconds with its lunch break."""
    out = _compile([])
    vs = out.problem["vehicles"]
    assert [v["id"] for v in vs] == [1, 2, 3, 4]  # sorted by (day, vehicle): v1 Mon, v2 Mon, v1 Tue, v2 Tue
    v = vs[2]
    assert out.vehicles[3].vehicle_id == 1 and out.vehicles[3].day == TUE
    # Tue 8:30 = 86400 + 30600 = 117000; 17:15 = 86400 + 62100 = 148500
    assert v["time_window"] == [117000, 148500]
    # lunch starts 11:30..(13:30 - 60 min) = 12:30: 86400 + 41400 = 127800 .. 86400 + 45000 = 131400
    assert v["breaks"] == [{"id": 3, "description": "lunch", "time_windows": [[127800, 131400]], "service": 3600}]
    assert v["capacity"] == [2, 0] and v["skills"] == [SKILL_IDS[Skill.OFFICE_TERMINAL]]
    assert v["start_index"] == v["end_index"] == 0  # the depot is the first location
    assert vs[3]["costs"] == {"fixed": 500, "per_hour": 2000}
    assert vs[3]["skills"] == [2, 3]


def test_short_shift_without_room_for_lunch_has_no_break():
    """A morning-only shift (8:30–11:00) cannot hold a lunch starting 11:30, so no break is required."""
    from scheduler.domain import Shift

    w = tiny_world()
    out = compile_week(WEEK, [], residents=w["residents"], sites=w["sites"], vehicles=w["vehicles"],
                       shifts=[Shift(1, WEEK, 30600, 11 * H)], services=w["services"],
                       service_days=DAYS, matrix_provider=LineMatrix(), now=NOW)
    assert "breaks" not in out.problem["vehicles"][0]
    assert out.problem["vehicles"][0]["time_window"] == [30600, 39600]


def test_visit_job_sums_services_keeps_service_days_and_maps_back():
    """A visit is one job at the home: service = sum of durations, setup 5 min, Saturday preference dropped."""
    req = request(10, RequestKind.VISIT, VisitDetails(("residence_certificate", "mynumber_application")),
                  resident_id=2, base_priority=10,
                  windows=[TimeWindow(TUE, 9 * H, 12 * H), TimeWindow(SAT, 9 * H, 12 * H)])
    provider = LineMatrix()
    out = _compile([req], provider=provider)
    [job] = out.problem["jobs"]
    assert job["service"] == 600 + 1200 and job["setup"] == 300
    assert job["skills"] == [1]
    # Tue 9:00 = 86400 + 32400 = 118800, 12:00 = 86400 + 43200 = 129600
    assert job["time_windows"] == [[118800, 129600]]
    # received 3 days before planning: 10 + 5 × 3 = 25
    assert job["priority"] == 25
    ref = out.tasks[job["id"]]
    assert (ref.request_id, ref.kind, ref.resident_id) == (10, "visit", 2)
    # locations: depot (post 0) then home of resident 2 (post 12): 12 × 60 s, 12 × 500 m
    assert [loc.key for loc in out.locations] == ["site:1", "home:2"]
    assert out.problem["matrices"]["car"]["durations"] == [[0, 720], [720, 0]]
    assert out.problem["matrices"]["car"]["distances"][0][1] == 6000
    assert len(provider.calls) == 1
    parse_problem(out.problem)  # the solver's own parser accepts it


def test_visit_without_any_window_may_go_any_day():
    """A visit with no preference and no promise has no time_windows (the shifts bound it)."""
    req = request(11, RequestKind.VISIT, VisitDetails(("consultation",)), resident_id=1)
    [job] = _compile([req]).problem["jobs"]
    assert "time_windows" not in job and job["service"] == 1800


def test_promised_window_is_the_only_window_and_top_priority():
    """A promise replaces the preferences and gets priority 100."""
    req = request(12, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                  status=RequestStatus.BOOKED, windows=[TimeWindow(WEEK, 9 * H, 17 * H)],
                  promised=TimeWindow(TUE, 10 * H, 11 * H))
    out = _compile([req])
    [job] = out.problem["jobs"]
    assert job["time_windows"] == [[86400 + 36000, 86400 + 39600]]
    assert job["priority"] == 100
    assert out.promised[12] == TimeWindow(TUE, 10 * H, 11 * H)


def test_request_outside_service_days_is_skipped_with_reason():
    """Only-Saturday preferences and a promise on a holiday cannot be planned; both are reported."""
    sat_only = request(13, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                       windows=[TimeWindow(SAT, 9 * H, 12 * H)])
    holiday = request(14, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                      status=RequestStatus.BOOKED, promised=TimeWindow(TUE, 9 * H, 10 * H))
    out = _compile([sat_only, holiday], service_days=[d for d in DAYS if d != TUE])
    assert out.problem["jobs"] == []
    reasons = {s.request_id: s for s in out.skipped}
    assert "2026-12-05 (Sat)" in reasons[13].reason and not reasons[13].promised
    assert "not a service day" in reasons[14].reason and reasons[14].promised


@pytest.mark.parametrize(
    ("rule", "occurs"),
    [
        (SessionRule("weekly", 1), True),
        # 2026-12-01 is 14 days after the anchor: an "on" week
        (SessionRule("biweekly", 1, anchor=dt.date(2026, 11, 17)), True),
        # 7 days after the anchor: an "off" week
        (SessionRule("biweekly", 1, anchor=dt.date(2026, 11, 24)), False),
        # 2026-12-01 is the first Tuesday of December
        (SessionRule("monthly", 1, nth=1), True),
        (SessionRule("monthly", 1, nth=2), False),
    ],
)
def test_session_occurrence_rules(rule, occurs):
    """A hall session is compiled only in weeks its rule occurs, on that day, in its start hours."""
    req = request(20, RequestKind.SESSION, SessionDetails(site_id=2, rule=rule), received_at=dt.datetime(2025, 4, 1))
    assert due_this_week(req, WEEK) is occurs
    out = _compile([req])
    if not occurs:
        assert out.problem["jobs"] == [] and out.skipped == []
        return
    [job] = out.problem["jobs"]
    # start 9:00..14:00 on Tuesday (the hall is open 9–17, so a 90-min session ending by 15:30 fits)
    assert job["time_windows"] == [[86400 + 9 * H, 86400 + 14 * H]]
    assert job["service"] == 5400 and job["setup"] == 300 and job["skills"] == [1]
    assert job["priority"] == 100  # an announced session is a commitment, like a promise
    assert out.tasks[job["id"]].day == TUE and out.tasks[job["id"]].kind == "session"


def test_session_window_ends_early_enough_to_finish_before_closing():
    """A hall closing at 15:00 on Tuesday: the 90-minute session must start by 13:30."""
    w = tiny_world()
    w["sites"][2].opening_hours[1] = (9 * H, 15 * H)
    req = request(21, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1)))
    [job] = _compile([req], world=w).problem["jobs"]
    assert job["time_windows"] == [[86400 + 9 * H, 86400 + 13 * H + 30 * 60]]


def test_session_bookings_lengthen_a_full_session():
    """Bookings needing more than the session's length lengthen it (and its latest start)."""
    req = request(23, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1), session_s=3600))
    # four residents booked on Tuesday: 3 × (300 set-up + 1200 My Number) + (300 + 1800 consultation) = 6600 s
    bookings = [SessionBooking(23, resident_id=1, day=TUE, services=("mynumber_application",), id=i)
                for i in range(3)]
    bookings.append(SessionBooking(23, resident_id=1, day=TUE, services=("consultation",), id=3))
    w = tiny_world()
    w["sites"][2].opening_hours[1] = (9 * H, 15 * H)
    [job] = _compile([req], world=w, bookings=bookings).problem["jobs"]
    assert job["service"] == 6600
    # must end by 15:00 -> start by 15:00 - 6600 s = 13:10
    assert job["time_windows"] == [[86400 + 9 * H, 86400 + 13 * H + 10 * 60]]
    # bookings of another day or another session change nothing
    other = [SessionBooking(99, resident_id=1, day=TUE, services=("consultation",) * 5)]
    [job] = _compile([req], world=w, bookings=other).problem["jobs"]
    assert job["service"] == 3600


def test_session_on_a_holiday_moves_to_the_next_service_day():
    """A weekly Tuesday session in a week whose Tuesday is a holiday is held on Wednesday, its seats with it."""
    req = request(22, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1), session_s=3600))
    seats = [SessionBooking(22, resident_id=1, day=TUE, services=("consultation",) * 3)]  # 5 + 3 × 30 min
    out = _compile([req], service_days=[d for d in DAYS if d != TUE], bookings=seats)
    [job] = out.problem["jobs"]
    wed = TUE + dt.timedelta(days=1)
    assert out.tasks[job["id"]].day == wed and out.skipped == []
    assert job["time_windows"][0][0] == 2 * 86400 + 9 * H and job["service"] == (5 + 3 * 30) * 60
    [moved] = out.session_moves[22]
    assert (moved.rule_day, moved.held_on, moved.rule) == (TUE, wed, "move")


def test_session_on_a_holiday_skips_a_day_the_hall_is_closed():
    """The hall closed on Wednesday: the Tuesday session moves to Thursday."""
    w = tiny_world()
    hall = w["sites"][2]
    w["sites"][2] = dataclasses.replace(hall, opening_hours={k: v for k, v in hall.opening_hours.items() if k != 2})
    req = request(22, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1)))
    out = _compile([req], world=w, service_days=[d for d in DAYS if d != TUE])
    [job] = out.problem["jobs"]
    assert out.tasks[job["id"]].day == TUE + dt.timedelta(days=2)


def test_session_on_a_holiday_cancelled_by_its_rule_is_not_due():
    """A session whose rule cancels a day off is not held: no job, no skip, the cancellation listed."""
    details = SessionDetails(site_id=2, rule=SessionRule("weekly", 1), on_holiday="cancel")
    out = _compile([request(22, RequestKind.SESSION, details)], service_days=[d for d in DAYS if d != TUE])
    assert out.problem["jobs"] == [] and out.skipped == [] and 22 not in out.requests
    [cancelled] = out.session_moves[22]
    assert (cancelled.rule_day, cancelled.held_on, cancelled.rule) == (TUE, None, "cancel")


def test_session_on_a_friday_holiday_moves_into_the_next_week():
    """A Friday holiday moves the session to the next Monday: not due this week, held the next."""
    fri = WEEK + dt.timedelta(days=4)
    req = request(22, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 4)))
    out = _compile([req], service_days=DAYS[:4])
    assert out.problem["jobs"] == [] and out.skipped == []
    assert [(m.rule_day, m.held_on) for m in out.session_moves[22]] == [(fri, WEEK + dt.timedelta(days=7))]
    nxt = WEEK + dt.timedelta(days=7)
    held_next = session_days_of_week(req.details, nxt, is_service=lambda d: d.weekday() < 5 and d != fri)
    assert [(sd.rule_day, sd.held_on) for sd in held_next] == [(fri, nxt), (fri + dt.timedelta(days=7),) * 2]


def test_session_with_nowhere_to_move_is_reported():
    """A hall open only on Tuesdays, the Tuesday a holiday: the session is listed as skipped with why."""
    w = tiny_world()
    w["sites"][2] = dataclasses.replace(w["sites"][2], opening_hours={1: (9 * H, 17 * H)})
    req = request(22, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1)))
    out = _compile([req], world=w, service_days=[d for d in DAYS if d != TUE])
    assert out.problem["jobs"] == [] and "holiday" in out.skipped[0].reason
    assert "no service day with the hall open" in out.skipped[0].reason


def test_errand_is_one_shipment_per_shop_with_ready_time_opening_hours_and_cool_box():
    """A chilled two-shop errand: pickups after ready time inside shop hours, delivery in the window."""
    details = ErrandDetails(pickups=(ErrandPickup(3, boxes=2, ready_s=11 * H), ErrandPickup(3, boxes=1)),
                            chilled=True, amount_to_collect_yen=2400, order="milk, tofu")
    req = request(30, RequestKind.ERRAND, details, resident_id=1, windows=[TimeWindow(TUE, 14 * H, 16 * H)])
    out = _compile([req])
    first, second = out.problem["shipments"]
    # shop opens 10:00, ready 11:00, closes 19:00 -> Tue [86400 + 39600, 86400 + 68400]
    assert first["pickup"]["time_windows"] == [[126000, 154800]]
    # no ready time: from opening, 10:00 = 86400 + 36000
    assert second["pickup"]["time_windows"] == [[122400, 154800]]
    assert first["delivery"]["time_windows"] == [[86400 + 14 * H, 86400 + 16 * H]]
    assert first["amount"] == [0, 2] and second["amount"] == [0, 1]
    # one door: the first shop's delivery takes the hand-over (300 s), the second only its boxes (60 s)
    assert first["delivery"]["service"] == 300 and second["delivery"]["service"] == 60
    assert first["skills"] == [2] and first["max_ride_time"] == 5400
    kinds = sorted((out.tasks[t].kind, out.tasks[t].part) for t in out.request_tasks[30])
    assert kinds == [("delivery", 0), ("delivery", 1), ("pickup", 0), ("pickup", 1)]
    # one visit at the door for both shops, guaranteed by the solver
    assert first["delivery_group"] == second["delivery_group"] == "request:30"
    parse_problem(out.problem)


def test_errand_at_a_closed_shop_is_skipped():
    """A shop closed on every requested day makes the errand impossible, and says which shop."""
    w = tiny_world()
    w["sites"][3].opening_hours = {5: (10 * H, 19 * H)}  # Saturdays only
    req = request(31, RequestKind.ERRAND, ErrandDetails(pickups=(ErrandPickup(3),)), resident_id=1)
    out = _compile([req], world=w)
    assert out.problem["shipments"] == [] and "Shop (fictional) is closed" in out.skipped[0].reason


def test_one_shop_errand_has_no_delivery_group():
    """An errand from one shop is a plain shipment: nothing to deliver together."""
    req = request(32, RequestKind.ERRAND, ErrandDetails(pickups=(ErrandPickup(3),)), resident_id=1)
    (shipment,) = _compile([req]).problem["shipments"]
    assert "delivery_group" not in shipment


def test_ride_and_linked_return_with_wheelchair_and_clinic_hours():
    """Outbound (promised) home -> clinic and the return clinic -> home clipped to clinic hours."""
    out_ride = request(40, RequestKind.RIDE, RideDetails(None, 4, wheelchair=True), resident_id=2,
                       status=RequestStatus.BOOKED, promised=TimeWindow(TUE, 9 * H, 9 * H + 1800))
    back = request(41, RequestKind.RIDE, RideDetails(4, None, wheelchair=True, return_of=40), resident_id=2,
                   windows=[TimeWindow(TUE, 11 * H, 12 * H + 1800)])
    out = _compile([out_ride, back])
    go, ret = out.problem["shipments"]
    assert go["pickup"]["time_windows"] == [[118800, 120600]]  # Tue 9:00–9:30, the promise
    assert go["delivery"]["time_windows"] == [[118800, 129600]]  # clinic open 9–12 on Tuesday
    assert go["amount"] == [1, 0] and go["skills"] == [3] and go["max_ride_time"] == 3600
    assert go["priority"] == 100
    assert ret["pickup"]["time_windows"] == [[86400 + 11 * H, 86400 + 12 * H]]  # 12:30 clipped to 12:00
    assert "time_windows" not in ret["delivery"]
    assert out.tasks[go["delivery"]["id"]].site_id == 4
    assert out.tasks[ret["delivery"]["id"]].resident_id == 2
    # one location per distinct place: depot, home 2, clinic
    assert [loc.key for loc in out.locations] == ["site:1", "home:2", "site:4"]


def test_unknown_service_names_the_request_by_the_city_id():
    """A visit asking for a service missing from the catalogue names the city's request id (#db id without one)."""
    req = request(50, RequestKind.VISIT, VisitDetails(("passport",)), resident_id=1, external_id="V12")
    with pytest.raises(CompileError, match="request V12: service 'passport' does not exist"):
        _compile([req])
    req.external_id = None
    with pytest.raises(CompileError, match="request #50: service 'passport' does not exist"):
        _compile([req])


def test_an_off_road_home_is_named_by_the_residents_city_id(sample_graph, sample_network):
    """A home 1 degree north of the district: the request is skipped as ``off_road`` naming resident K099, not home:2."""
    w = tiny_world()
    _, node = next(iter(sample_graph.nodes(data=True)))
    node_lat, node_lon = float(node["y"]), float(node["x"])
    for site in w["sites"].values():
        site.lat, site.lon = node_lat, node_lon
    w["residents"][2].lat, w["residents"][2].lon = node_lat + 1.0, node_lon
    w["residents"][2].external_id = "K099"
    req = request(51, RequestKind.VISIT, VisitDetails(("residence_certificate",)), resident_id=2)
    out = _compile([req], world=w, provider=sample_network)
    [skip] = out.skipped
    assert skip.code == "off_road"
    assert skip.reason.startswith("resident K099's home is ") and "m from the nearest road" in skip.reason
    assert "home:2" not in skip.reason


def test_priority_rule():
    """priority = min(98, base + 5 × days waited); hall sessions and promises = 100 (commitments)."""
    now = dt.datetime(2026, 11, 27, 9, 0)
    fresh = request(60, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                    received_at=dt.datetime(2026, 11, 27, 8, 0), base_priority=20)
    old = request(61, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                  received_at=dt.datetime(2026, 11, 13, 8, 0), base_priority=40)
    assert request_priority(fresh, now) == 20  # 0 days
    assert request_priority(old, now) == 98  # 40 + 5 × 14 = 110 -> 98
    old.received_at = dt.datetime(2026, 11, 20, 8, 0)
    assert request_priority(old, now) == 75  # 40 + 5 × 7
    old.promised = TimeWindow(TUE, 9 * H, 10 * H)
    assert request_priority(old, now) == 100
    session = request(62, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1)),
                      received_at=now, base_priority=0)
    assert request_priority(session, now) == 100


def test_requests_of_other_weeks_are_not_due():
    """A preference or promise in another week keeps a request out of this week's problem."""
    later = WEEK + dt.timedelta(days=7)
    req = request(70, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                  windows=[TimeWindow(later, 9 * H, 12 * H)])
    out = _compile([req])
    assert out.problem["jobs"] == [] and out.skipped == [] and 70 not in out.requests


def test_not_a_monday_is_refused():
    """compile_week insists on a Monday week start."""
    w = tiny_world()
    with pytest.raises(CompileError, match="not a Monday"):
        compile_week(TUE, [], residents=w["residents"], sites=w["sites"], vehicles=w["vehicles"], shifts=[],
                     services=w["services"], service_days=DAYS, matrix_provider=LineMatrix(), now=NOW)


def test_lunch_closure_gives_one_window_per_opening_interval():
    """A clinic open 9:00–12:30 and 14:00–18:00: a return ride from it gets two pick-up windows that day.

    Wished pick-up Tue 11:00–15:00 -> [11:00, 12:30] and [14:00, 15:00], i.e. week seconds
    86400 + 39600 = 126000 .. 86400 + 45000 = 131400 and 86400 + 50400 = 136800 .. 86400 + 54000 = 140400.
    """
    w = tiny_world()
    w["sites"][4] = dataclasses.replace(w["sites"][4], opening_hours={
        1: ((9 * H, 12 * H + 1800), (14 * H, 18 * H))})
    back = request(42, RequestKind.RIDE, RideDetails(4, None), resident_id=2,
                   windows=[TimeWindow(TUE, 11 * H, 15 * H)])
    [ride] = _compile([back], world=w).problem["shipments"]
    assert ride["pickup"]["time_windows"] == [[126000, 131400], [136800, 140400]]


def test_session_in_a_hall_closed_for_lunch_must_end_before_each_closing():
    """A 90-minute session in a hall open 9:00–12:00 and 13:00–17:00 on Tuesday, start wished 9:00–14:00:
    one job that starts 9:00–10:30 (ends by 12:00) or 13:00–14:00 (the rule's latest start)."""
    w = tiny_world()
    w["sites"][2].opening_hours = {1: ((9 * H, 12 * H), (13 * H, 17 * H))}
    req = request(24, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 1)))
    out = _compile([req], world=w)
    [job] = out.problem["jobs"]
    assert job["time_windows"] == [[86400 + 9 * H, 86400 + 10 * H + 1800], [86400 + 13 * H, 86400 + 14 * H]]
    parse_problem(out.problem)


class _OffRoadLine(LineMatrix):
    """The line world's matrix, with every point past post 15 too far from any road."""

    snap_limit_m = 500.0

    def off_road(self, points):
        """Return the points north of post 15, 1000 m per post past it."""
        return {pid: (round((lat - 37.0) / 0.001) - 15) * 1000.0 for pid, lat, _ in points if lat > post(15)}


def test_request_at_a_place_off_the_road_is_skipped_with_its_city_id():
    """Resident 2 moved to post 18 (off the road): the visit is skipped as off_road naming K099; the other
    visit is compiled and the off-road home is not in the matrix."""
    w = tiny_world()
    w["residents"][2] = dataclasses.replace(w["residents"][2], lat=post(18), external_id="K099")
    visits = [request(rid, RequestKind.VISIT, VisitDetails(("consultation",)), resident_id=rid) for rid in (1, 2)]
    provider = _OffRoadLine()
    out = _compile(visits, world=w, provider=provider)
    assert [out.tasks[j["id"]].request_id for j in out.problem["jobs"]] == [1]
    [skip] = out.skipped
    assert (skip.request_id, skip.code) == (2, "off_road")
    assert skip.reason == "resident K099's home is 3000 m from the nearest road (limit 500 m); correct its position"
    assert "home:2" not in [p[0] for p in provider.calls[0]]


def test_extra_points_are_appended_to_the_one_matrix_call_with_their_indices():
    """Where a van is now (re-planning a day) is asked in the week's single matrix call, after its own places."""
    req = request(10, RequestKind.VISIT, VisitDetails(("residence_certificate",)), resident_id=2,
                  windows=[TimeWindow(TUE, 9 * H, 12 * H)])
    provider = LineMatrix()
    w = tiny_world()
    out = compile_week(WEEK, [req], residents=w["residents"], sites=w["sites"], vehicles=w["vehicles"],
                       shifts=shifts_for(w["vehicles"], [TUE]), services=w["services"], service_days=DAYS,
                       matrix_provider=provider, now=NOW,
                       extra_points=[("van1", post(7), 140.0), ("van2", post(12), 140.0), ("van1", post(7), 140.0)])
    assert len(provider.calls) == 1
    assert [loc.key for loc in out.locations] == ["site:1", "home:2", "extra:van1", "extra:van2"]
    assert out.extra_indices == {"van1": 2, "van2": 3}
    # van 1 at post 7: 7 minutes from the depot, 5 from resident 2's home (post 12)
    assert out.problem["matrices"]["car"]["durations"][2][:2] == [420, 300]
    parse_problem(out.problem)
