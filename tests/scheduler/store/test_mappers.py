"""Tests of scheduler.store.mappers: every entity's row mapper round-trips, object → row → object → row."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.accounts import (
    END_REASONS,
    ApiToken,
    AuditEntry,
    LoginSession,
    LoginThrottle,
    Role,
    User,
)
from scheduler.closures import RoadClosure
from scheduler.domain import (
    CALL_OUTCOMES,
    CallOutcome,
    PlanStop,
    RequestEvent,
    RequestStatus,
    SessionBooking,
    UnassignedRequest,
)
from scheduler.domain.lifecycle import StopAction
from scheduler.locks import Lock
from scheduler.plan_job import JOB_ERRORS, JobPhase, JobState, PlanJob
from scheduler.store import mappers
from scheduler.store.mappers import Mapper
from tests.scheduler.store.test_storage import (
    SETTINGS,
    days,
    lats,
    lons,
    names,
    plans,
    requests,
    residents,
    services,
    shift_exceptions,
    sites,
    texts,
    vehicles,
)

# Any ids will do: no database checks references here.
IDS = {"resident": 1, "hall": 2, "shop": 3, "van": 4}
ids = st.integers(1, 10**6)
datetimes = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2035, 1, 1))

request_events = st.builds(RequestEvent, request_id=ids, at=datetimes, user=names,
                           from_status=st.none() | st.sampled_from(RequestStatus),
                           to_status=st.sampled_from(RequestStatus), note=texts,
                           stop_id=st.none() | ids, action=st.none() | st.sampled_from([a.value for a in StopAction]),
                           received_at=st.none() | datetimes)
logins = st.from_regex(r"[a-z0-9][a-z0-9_.-]{1,31}", fullmatch=True)
users = st.one_of(
    st.builds(User, login=logins, role=st.sampled_from([r for r in Role if r != Role.DRIVER]), name=texts,
              password_hash=texts, active=st.booleans(), created_at=datetimes),
    st.builds(User, login=logins, role=st.just(Role.DRIVER), vehicle_id=ids, created_at=datetimes))
sha256s = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)
later = st.timedeltas(dt.timedelta(seconds=1), dt.timedelta(days=400))
ends = st.none() | st.tuples(datetimes, st.sampled_from(sorted(END_REASONS)))
api_tokens = st.builds(
    lambda created, after, end, **kw: ApiToken(created_at=created, expires_at=created + after, revoked_at=end and end[0],
                                               revoke_reason=end and end[1], **kw),
    created=datetimes, after=later, end=ends, user_id=ids, token_sha256=sha256s, label=texts)
login_sessions = st.builds(
    lambda created, after, seen, end, **kw: LoginSession(created_at=created, expires_at=created + after,
                                                         last_seen_at=seen, ended_at=end and end[0],
                                                         end_reason=end and end[1], **kw),
    created=datetimes, after=later, seen=datetimes, end=ends, user_id=ids, secret_sha256=sha256s)
login_throttles = st.builds(LoginThrottle, key=st.sampled_from(["user:7", "address:10.0.0.1", "login:ab12"]),
                            failures=st.integers(0, 99), last_failure_at=st.none() | datetimes,
                            window_start=st.none() | datetimes, window_failures=st.integers(0, 99),
                            locked_until=st.none() | datetimes)
audit_entries = st.builds(AuditEntry, user=names, action=st.sampled_from(["view", "search", "change", "login_failed"]),
                          subject=st.sampled_from(["resident", "request", "user"]),
                          subject_ids=st.lists(ids, max_size=5).map(tuple), where=texts, at=datetimes,
                          address=st.sampled_from(["", "127.0.0.1", "2001:db8::1"]))
session_bookings = st.builds(SessionBooking, session_request_id=ids, resident_id=ids, day=days,
                             services=st.lists(st.sampled_from(["consultation", "seal_certificate"])).map(tuple),
                             cancelled_at=st.none() | datetimes, cancel_reason=texts, cancelled_by=names)
plan_stops = st.builds(
    PlanStop, vehicle_id=ids, day=days, seq=st.integers(0, 50), step_type=st.sampled_from(["visit", "break"]),
    arrival_s=st.integers(0, 7 * 86_400), start_s=st.integers(0, 7 * 86_400), departure_s=st.integers(0, 7 * 86_400),
    request_id=st.none() | ids, site_id=st.none() | ids, resident_id=st.none() | ids,
    lat=st.none() | lats, lon=st.none() | lons, load=st.lists(st.integers(0, 20), max_size=2).map(tuple),
    driving_s=st.integers(0, 40_000), distance_m=st.integers(0, 500_000), plan_id=ids,
    windows=st.lists(st.tuples(st.integers(0, 7 * 86_400), st.integers(0, 7 * 86_400)), max_size=3).map(tuple))
call_outcomes = st.builds(CallOutcome, day=days, request_id=ids, stop_id=st.none() | ids,
                          outcome=st.sampled_from(CALL_OUTCOMES), user=names, at=datetimes, note=texts,
                          told=st.sampled_from(["", "10:00–11:00"]), expected=st.sampled_from(["", "11:20"]))
optional_times = st.none() | datetimes
plan_jobs = st.builds(
    PlanJob, week_start=days.map(lambda d: d - dt.timedelta(days=d.weekday())), created_by=names,
    time_limit_s=st.integers(1, 600).map(float), params=st.dictionaries(st.sampled_from(["seed", "workers"]),
                                                                       st.integers(0, 9)),
    state=st.sampled_from(JobState), phase=st.none() | st.sampled_from(JobPhase), created_at=datetimes,
    started_at=optional_times, phase_started_at=optional_times, finished_at=optional_times,
    plan_id=st.none() | ids, plan_version=st.none() | st.integers(1, 99), served=st.none() | st.integers(0, 500),
    unassigned=st.none() | st.integers(0, 500), error_code=st.none() | st.sampled_from(sorted(JOB_ERRORS)),
    error_detail=texts)
road_closures = st.builds(
    lambda start, hours, which, note, by, at: RoadClosure(start=start, end=start + dt.timedelta(hours=hours), **which,
                                                          note=note, created_by=by, created_at=at),
    datetimes, st.integers(1, 24 * 30),
    st.one_of(st.fixed_dictionaries({"way_ids": st.lists(ids, min_size=1, max_size=3).map(tuple)}),
              st.fixed_dictionaries({"points": st.tuples(st.tuples(lats, lons), st.tuples(lats, lons))}),
              st.fixed_dictionaries({"edges": st.lists(st.tuples(ids, ids, st.integers(0, 3)), min_size=1,
                                                       max_size=4).map(tuple)})),
    texts, names, optional_times)
locks = st.one_of(
    st.builds(Lock, day=days, created_by=names, created_at=optional_times),
    st.builds(Lock, day=days, vehicle_id=ids, created_by=names, created_at=optional_times),
    st.builds(Lock, day=days, vehicle_id=ids, stop_id=ids, request_id=ids, created_by=names,
              created_at=optional_times))
unassigned = st.builds(UnassignedRequest, request_id=ids, reason=texts, day=st.none() | days, plan_id=ids)

#: A strategy for every mapper of scheduler.store.mappers, by the mapper's name.
OBJECTS = {
    "RESIDENT": residents,
    "SITE": sites,
    "VEHICLE": vehicles(depot_site_id=IDS["hall"]),
    "SHIFT_EXCEPTION": shift_exceptions(vehicle_id=IDS["van"]),
    "SERVICE": services,
    "REQUEST": requests(IDS),
    "REQUEST_EVENT": request_events,
    "SESSION_BOOKING": session_bookings,
    # The plan row holds neither stops nor unassigned requests (their own tables do).
    "PLAN": plans(IDS, request_id=9).map(lambda p: dataclasses.replace(p, stops=[], unassigned=[])),
    "PLAN_STOP": plan_stops,
    "UNASSIGNED": unassigned,
    "USER": users,
    "API_TOKEN": api_tokens,
    "AUDIT_ENTRY": audit_entries,
    "LOGIN_SESSION": login_sessions,
    "LOGIN_THROTTLE": login_throttles,
    "JOB": plan_jobs,
    "CALL_OUTCOME": call_outcomes,
    "ROAD_CLOSURE": road_closures,
    "LOCK": locks,
}


def _stored(obj: object, new_id: int) -> object:
    """`obj` as the database hands it back: with its new id, when the entity has one."""
    has_id = any(f.name == "id" for f in dataclasses.fields(obj))
    return dataclasses.replace(obj, id=new_id) if has_id else obj


def test_every_mapper_has_a_round_trip_case():
    """Each `Mapper` defined in scheduler.store.mappers is exercised by the round-trip test below."""
    defined = {name for name, value in vars(mappers).items() if isinstance(value, Mapper)}
    assert defined == set(OBJECTS)


@pytest.mark.parametrize("name", sorted(OBJECTS))
@SETTINGS
@given(data=st.data())
def test_mapper_round_trips_object_row_object_row(name, data):
    """object → row → object gives the object back (with its id), and that object gives the same row again."""
    mapper: Mapper = getattr(mappers, name)
    obj = data.draw(OBJECTS[name])
    row = mapper.to_row(obj)
    assert "id" not in row  # the database gives the id
    loaded = mapper.from_row({**row, "id": 7})
    assert loaded == _stored(obj, 7)
    assert mapper.to_row(loaded) == row
