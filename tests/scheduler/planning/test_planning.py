"""Weekly planning on the line world: solve, validate, store versions, statuses, diff, publish.

The week is Monday 2026-11-30 (no holiday). The solver runs with a solution
limit, so each plan is deterministic and quick.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from routing.errors import InputError
from scheduler import planning
from scheduler.domain import (
    ErrandDetails,
    ErrandPickup,
    IdLabels,
    Plan,
    PlanStatus,
    PlanStop,
    Request,
    RequestKind,
    RequestStatus,
    RideDetails,
    SessionDetails,
    SessionRule,
    ShiftException,
    TimeWindow,
    UnassignedRequest,
    VisitDetails,
)
from scheduler.planning import (
    BROKEN_PROMISE,
    PlanningError,
    diff_plans,
    plan_week,
    publish,
)
from scheduler.store import Store
from tests.scheduler.planning_world import (
    NOW,
    PARAMS,
    TUE,
    WEEK,
    H,
    LineMatrix,
    store_world,
)

DAY = 86400


@pytest.fixture
def store():
    with Store.open(":memory:") as s:
        yield s


def _add(store, kind, details, **kw) -> Request:
    kw.setdefault("received_at", NOW - dt.timedelta(days=2))
    return store.add_request(Request(kind=kind, details=details, **kw), user="test")


def _all_kinds(store) -> dict[str, Request]:
    return {
        "visit": _add(store, RequestKind.VISIT, VisitDetails(("residence_certificate",)), resident_id=1,
                      status=RequestStatus.BOOKED, promised=TimeWindow(TUE, 10 * H, 11 * H)),
        "session": _add(store, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 2))),
        "errand": _add(store, RequestKind.ERRAND,
                       ErrandDetails(pickups=(ErrandPickup(3, boxes=2, ready_s=11 * H),), chilled=True,
                                     amount_to_collect_yen=2400, order="milk"),
                       resident_id=2, windows=[TimeWindow(TUE, 13 * H, 16 * H)]),
        "ride": _add(store, RequestKind.RIDE, RideDetails(None, 4), resident_id=1,
                     windows=[TimeWindow(WEEK, 9 * H, 10 * H)]),
    }


def test_every_kind_is_planned_validated_stored_and_marked_planned(store):
    """One request of each kind on a two-van fleet: all served, promise kept, v1 stored, statuses planned."""
    store_world(store)
    reqs = _all_kinds(store)
    result = plan_week(store, LineMatrix(), WEEK, params=PARAMS, user="dispatcher", now=NOW)
    plan = result.plan
    assert (plan.version, plan.created_by, plan.status) == (1, "dispatcher", PlanStatus.DRAFT)
    assert plan.unassigned == []
    assert plan.summary["served_by_kind"] == {"errand": 1, "ride": 1, "session": 1, "visit": 1}
    assert plan.summary["promises_kept"] == plan.summary["promised"] == 1
    stored = store.plans.get(WEEK)
    assert stored.id == plan.id and len(stored.stops) == len(plan.stops)
    by_req = {}
    for s in stored.stops:
        by_req.setdefault(s.request_id, []).append(s)
    [visit] = by_req[reqs["visit"].id]
    # the promise Tue 10:00–11:00 is kept; service = 5 min setup + 10 min certificate
    assert DAY + 10 * H <= visit.start_s <= DAY + 11 * H and visit.day == TUE
    assert visit.departure_s == visit.start_s + 300 + 600 and visit.step_type == "visit"
    [session] = by_req[reqs["session"].id]
    assert session.day == WEEK + dt.timedelta(days=2) and session.step_type == "session"
    pick, drop = sorted(by_req[reqs["errand"].id], key=lambda s: s.seq)
    assert (pick.step_type, drop.step_type) == ("pickup", "delivery") and pick.vehicle_id == drop.vehicle_id
    assert pick.start_s >= DAY + 11 * H  # goods ready at 11:00
    assert drop.start_s - (pick.departure_s) <= 5400  # chilled: at most 90 minutes on board
    for r in reqs.values():
        assert store.requests.get(r.id).status == RequestStatus.PLANNED
        last = store.request_events.of_request(r.id)[-1]
        assert (last.cause, last.cause_args, last.note) == ("plan", {"week": WEEK.isoformat(), "version": 1}, "")
    assert result.timings["solve_s"] >= 0 and set(result.timings) == {"compile_s", "solve_s", "store_s", "total_s"}


def test_versions_are_kept_and_a_missing_skill_is_reported_in_words(store):
    """Planning again makes v2 (v1 kept); a wheelchair ride with no wheelchair van is unassigned with a reason."""
    store_world(store, vehicles=(1,))  # the office van only: no wheelchair space
    visit = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    v1 = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan
    ride = _add(store, RequestKind.RIDE, RideDetails(None, 4, wheelchair=True), resident_id=2)
    v2 = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan
    assert [p.version for p in store.plans.versions(WEEK)] == [2, 1]
    assert store.plans.get(WEEK, 1).id == v1.id and store.plans.get(WEEK).id == v2.id
    [u] = v2.unassigned
    assert u.request_id == ride.id
    assert u.reason.startswith("必要な装備の車両がありません / no vehicle with the needed equipment")
    assert "wheelchair" in u.reason
    assert store.requests.get(ride.id).status == RequestStatus.RECEIVED
    assert store.requests.get(visit.id).status == RequestStatus.PLANNED
    assert v2.summary["unassigned_by_kind"] == {"ride": 1}


def test_broken_promise_is_listed_first_and_request_goes_back_to_booked(store):
    """A van breakdown on Tuesday: the promised Tuesday visit cannot be kept -> call back, status booked."""
    store_world(store, vehicles=(1,))
    promised = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=2,
                    status=RequestStatus.BOOKED, promised=TimeWindow(TUE, 10 * H, 11 * H))
    other = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                 windows=[TimeWindow(TUE, 9 * H, 17 * H)])
    first = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert first.broken_promises == [] and store.requests.get(promised.id).status == RequestStatus.PLANNED
    store.shift_exceptions.add(ShiftException(vehicle_id=1, day=TUE, reason="maintenance"))
    second = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert [u.request_id for u in second.plan.unassigned] == [promised.id, other.id]
    assert second.plan.unassigned[0].reason.startswith(BROKEN_PROMISE)
    assert "2026-12-01 (Tue) 10:00–11:00" in second.plan.unassigned[0].reason
    assert second.plan.summary["broken_promises"] == [promised.id]
    assert second.plan.summary["promises_kept"] == 0
    # a progress report counts the same plan the same way (`solve_progress`)
    routed = {s["id"] for r in second.solution["routes"] for s in r["steps"] if s["type"] in ("job", "pickup", "delivery")}
    found = planning.run.solve_progress(second.compiled, routed, 1.0)
    assert (found.served, found.unassigned, found.promises_kept, found.promised) == (0, 2, 0, 1)
    assert store.requests.get(promised.id).status == RequestStatus.BOOKED
    assert store.requests.get(other.id).status == RequestStatus.RECEIVED
    # the history says why as a cause with its arguments, the reason in staff words
    back = store.request_events.of_request(promised.id)[-1]
    assert back.cause == "plan_left_out" and back.note == ""
    assert back.cause_args == {"week": WEEK.isoformat(), "version": 2, "reason": second.plan.unassigned[0].reason}
    text = "\n".join(planning.format_result(second, store))
    assert "PROMISE(S) CANNOT BE KEPT" in text and "架空 花子" in text
    # the diff names the newly unassigned requests
    diff = diff_plans(first.plan, second.plan)
    assert [u["request_id"] for u in diff.newly_unassigned] == [promised.id, other.id]


def test_progress_counts_requests_as_the_stored_plan_does(store):
    """While it searches the solver's best plans reach the caller in requests, counted as the stored plan counts them."""
    from scheduler.planning.run import solve_progress
    from scheduler.vrp.params import SolveParams

    store_world(store)
    reqs = _all_kinds(store)
    seen = []
    result = plan_week(store, LineMatrix(), WEEK, params=SolveParams(time_limit_s=30, stall_s=0.5, workers=2),
                       now=NOW, on_progress=seen.append)
    summary = result.plan.summary
    assert seen, "no progress reported"
    for found in seen:
        assert found.served + found.unassigned == summary["requests"] == len(reqs)
        assert found.promised == summary["promised"] == 1 and 0 <= found.promises_kept <= 1
        assert 0 < found.expected_solve_s <= 30
    # the final solution, counted the same way, gives the stored plan's figures
    routed = {s["id"] for r in result.solution["routes"] for s in r["steps"] if s["type"] in ("job", "pickup", "delivery")}
    final = solve_progress(result.compiled, routed, 1.0)
    assert (final.served, final.unassigned, final.promises_kept) == \
        (summary["served"], summary["unassigned"], summary["promises_kept"])


def test_failing_solve_leaves_the_previous_plan_untouched(store, monkeypatch):
    """A solver crash stores nothing: v1 stays the latest, statuses and events unchanged."""
    store_world(store, vehicles=(1,))
    req = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    late = _add(store, RequestKind.VISIT, VisitDetails(("seal_certificate",)), resident_id=2)
    events_before = len(store.request_events.of_request(req.id)), len(store.request_events.of_request(late.id))

    def boom(problem, params=None, on_progress=None):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("scheduler.vrp.solver.solve", boom)
    with pytest.raises(RuntimeError, match="solver crashed"):
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert [p.version for p in store.plans.versions(WEEK)] == [1]
    assert store.requests.get(late.id).status == RequestStatus.RECEIVED
    assert (len(store.request_events.of_request(req.id)), len(store.request_events.of_request(late.id))) == events_before


def test_invalid_solution_is_refused(store, monkeypatch):
    """When the validator finds a fault, plan_week raises PlanningError and stores nothing."""
    store_world(store, vehicles=(1,))
    _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    monkeypatch.setattr("scheduler.vrp.validator.validate", lambda p, s: ["routes[0].steps[1]: arrives too early"])
    with pytest.raises(PlanningError, match="failed validation, not stored: routes\\[0\\].steps\\[1\\]"):
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert store.plans.versions(WEEK) == []


def test_refused_solution_names_the_solver_ids_in_city_words(store, monkeypatch):
    """A validator line about 'vehicle 1' and 'job 1' says which vehicle, day and request (V9) they stand for."""
    store_world(store, vehicles=(1,))
    store.vehicles.update(dataclasses.replace(store.vehicles.get(1), external_id="VAN"))
    req = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    store.requests.update(dataclasses.replace(req, external_id="V9"))
    monkeypatch.setattr("scheduler.vrp.validator.validate",
                        lambda p, s: ["route vehicle 1 step 1 (job 1): service starts Mon 8:50 outside its time windows"])
    # solver vehicle 1 is the first shift (Monday, the only vehicle); job 1 the only task
    with pytest.raises(PlanningError, match=r"\[vehicle 1 = vehicle VAN on 2026-11-30 \(Mon\); "
                                            r"job 1 = request V9 visit\]"):
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)


def test_not_a_monday_is_an_input_error(store):
    """A week that does not start on Monday is refused with a one-line message."""
    with pytest.raises(InputError, match="2026-12-01 does not start on a Monday"):
        plan_week(store, LineMatrix(), TUE, params=PARAMS, now=NOW)


def test_publish_marks_one_version_and_keeps_history(store):
    """Publishing v1 then v2 leaves both published, v2 the latest; drafts stay drafts."""
    store_world(store, vehicles=(1,))
    _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    v1 = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan
    v2 = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan
    assert publish(store, v1.id, user="chief").status == PlanStatus.PUBLISHED
    assert store.plans.get(WEEK, 2).status == PlanStatus.DRAFT
    publish(store, v2.id, user="chief")
    assert [p.status for p in store.plans.versions(WEEK)] == [PlanStatus.PUBLISHED, PlanStatus.PUBLISHED]


def _stop(rid, vehicle, day, start_s, seq=1):
    return PlanStop(vehicle_id=vehicle, day=day, seq=seq, step_type="visit", arrival_s=start_s,
                    start_s=start_s, departure_s=start_s + 600, request_id=rid)


def test_diff_plans_by_hand():
    """Request 1 moves +30 min, 2 changes day, 3 is dropped, 4 is new, 5 is unchanged."""
    old = Plan(WEEK, 1, NOW, "a", stops=[
        _stop(1, 1, WEEK, 9 * H), _stop(2, 1, WEEK, 10 * H), _stop(3, 1, WEEK, 11 * H), _stop(5, 2, TUE, DAY + 9 * H)])
    new = Plan(WEEK, 2, NOW, "a", stops=[
        _stop(1, 1, WEEK, 9 * H + 1800), _stop(2, 1, TUE, DAY + 10 * H), _stop(4, 1, WEEK, 14 * H),
        _stop(5, 2, TUE, DAY + 9 * H + 30)],
        unassigned=[UnassignedRequest(3, "時間内に回れません / not enough time in any shift")])
    d = diff_plans(old, new)
    assert [(m["request_id"], m["delta_s"]) for m in d.moved] == [(1, 1800)]
    assert [(m["request_id"], m["new"]["day"]) for m in d.reassigned] == [(2, TUE)]
    assert d.newly_unassigned == [{"request_id": 3, "old": {"vehicle_id": 1, "day": WEEK, "start_s": 11 * H},
                                   "reason": "時間内に回れません / not enough time in any shift"}]
    assert [s["request_id"] for s in d.newly_served] == [4]
    text = "\n".join(d.lines())
    assert "request #1: moved +30 min" in text and "request #3: newly UNASSIGNED" in text
    # slots read like the dates in the reasons: day (weekday) and time of day
    assert "(vehicle #1 2026-11-30 (Mon) 9:00 -> vehicle #1 2026-11-30 (Mon) 9:30)" in text
    # with the city's ids, requests and vehicles are named as the city names them
    labels = IdLabels(requests={1: "V12", 3: "E7"}, vehicles={1: "VAN1"})
    text = "\n".join(d.lines(labels))
    assert "request V12: moved +30 min (vehicle VAN1 2026-11-30 (Mon) 9:00 ->" in text
    assert "request E7: newly UNASSIGNED" in text and "request #4: newly served" in text
    assert diff_plans(old, old).empty


def test_store_messages_and_labels_use_the_city_ids():
    """A refused status change names the request V12; id_labels maps database ids to the city's ids."""
    with Store.open(":memory:") as store:
        w = store_world(store)
        store.residents.update(dataclasses.replace(w["residents"][1], external_id="K001"))
        req = store.add_request(Request(RequestKind.VISIT, VisitDetails(("residence_certificate",)),
                                        resident_id=1, external_id="V12"), user="t")
        with pytest.raises(InputError, match="request V12: cannot change status from received to done"):
            store.change_status(req.id, RequestStatus.DONE, user="t")
        labels = store.id_labels()
        assert labels.request(req.id) == "V12" and labels.resident(1) == "K001" and labels.resident(2) == "#2"
        assert labels.site(99) == "#99"


def test_every_reason_code_has_staff_words():
    """Every code of the solver's and the compiler's closed sets has its own Japanese / English label."""
    from scheduler.compiler import SKIP_CODES
    from scheduler.planning.wording import REASON_WORDS
    from scheduler.vrp.format import REASON_CODES

    assert set(REASON_WORDS) == set(REASON_CODES) | set(SKIP_CODES)
    labels = [planning.reason_in_words(code) for code in REASON_WORDS]
    assert len(set(labels)) == len(labels)
    assert all(" / " in label for label in labels)  # Japanese first, then English


def test_reason_in_words_uses_the_code_never_the_text():
    """Labels come from the code; the detail is shown after it, and skills are named in staff words."""
    assert planning.reason_in_words("skill", "no vehicle has skills [2]", skills=[2]) == \
        "必要な装備の車両がありません / no vehicle with the needed equipment (保冷ボックス cool box)"
    label = planning.reason_in_words("window_unreachable", "time window Tue 9:00–9:30 cannot be reached")
    assert label.startswith("希望時間に間に合いません") and "Tue 9:00–9:30" in label
    # the same text under another code gives that code's words
    assert planning.reason_in_words("capacity", "time window Tue 9:00–9:30").startswith("座席・荷台が足りません")
    # codes whose words say it all drop the English detail
    assert planning.reason_in_words("no_time", "not enough time left in any shift") == \
        "時間内に回れません / not enough time in any shift"


def test_search_that_found_nothing_is_not_stored(store, monkeypatch):
    """A time limit too short for a first solution (no route, code not_solved) must not un-plan the week."""
    store_world(store, vehicles=(1,))
    req = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1)
    plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)

    def nothing(problem, params=None, on_progress=None):
        unassigned = [{"id": j["id"], "type": "job", "code": "not_solved",
                       "reason": "no solution found within the time limit (ROUTING_FAIL_TIMEOUT)"}
                      for j in problem["jobs"]]
        return {"code": 0, "routes": [], "unassigned": unassigned,
                "summary": {"cost": 0, "routes": 0, "unassigned": len(unassigned), "duration": 0}}

    monkeypatch.setattr("scheduler.vrp.solver.solve", nothing)
    with pytest.raises(PlanningError, match="found no plan within 10 s"):
        plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert [p.version for p in store.plans.versions(WEEK)] == [1]
    assert store.requests.get(req.id).status == RequestStatus.PLANNED


def test_announced_session_that_cannot_be_held_is_listed_after_promises_and_before_the_rest(store):
    """The office van is in the garage on Wednesday: the weekly Wednesday session is a broken commitment.

    It is listed before ordinary unassigned requests, its reason starts with
    `BROKEN_SESSION` (tell the district), the summary names it, and the text
    report shows it under its own heading.
    """
    from scheduler.planning.wording import BROKEN_SESSION

    store_world(store, vehicles=(1,))
    wednesday = WEEK + dt.timedelta(days=2)
    other = _add(store, RequestKind.VISIT, VisitDetails(("tax_certificate",)), resident_id=1,
                 windows=[TimeWindow(wednesday, 9 * H, 17 * H)])
    session = _add(store, RequestKind.SESSION, SessionDetails(site_id=2, rule=SessionRule("weekly", 2)))
    assert plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW).plan.unassigned == []
    store.shift_exceptions.add(ShiftException(vehicle_id=1, day=wednesday, reason="maintenance"))
    result = plan_week(store, LineMatrix(), WEEK, params=PARAMS, now=NOW)
    assert [u.request_id for u in result.plan.unassigned] == [session.id, other.id]
    assert result.plan.unassigned[0].reason.startswith(BROKEN_SESSION)
    assert not result.plan.unassigned[1].reason.startswith(BROKEN_SESSION)
    assert result.plan.summary["broken_sessions"] == [session.id]
    assert "ANNOUNCED SESSION(S) CANNOT BE HELD" in "\n".join(planning.format_result(result, store))
