"""Tests of scheduler.store: round trips of every entity, transactions, status life cycle, search."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.errors import InputError
from scheduler.domain import (
    CAPACITY_DIMENSIONS,
    ErrandDetails,
    ErrandPickup,
    Plan,
    PlanStatus,
    PlanStop,
    Request,
    RequestKind,
    RequestStatus,
    Resident,
    RideDetails,
    Service,
    SessionBooking,
    SessionDetails,
    SessionRule,
    ShiftException,
    Site,
    SiteKind,
    Skill,
    TimeWindow,
    UnassignedRequest,
    Vehicle,
    VisitDetails,
)
from scheduler.store import NotFound, StorageError, Store
from scheduler.store.plans import PlanVersions

D = dt.date
H = 3600
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- fixtures


def _seed(store: Store) -> dict[str, int]:
    """Store one resident, two sites and one vehicle; return their ids."""
    resident = store.residents.add(Resident("山田 花子", "ヤマダ ハナコ", "0246-22-1111",
                                           "いわき市川前町上桶売1", 37.21, 140.79, external_id="R1"))
    hall = store.sites.add(Site("川前公民館", SiteKind.COMMUNITY_HALL, 37.2, 140.8,
                               opening_hours={1: (9 * H, 17 * H)}, external_id="S1"))
    shop = store.sites.add(Site("マルト川前店", SiteKind.SHOP, 37.22, 140.81, external_id="S2"))
    van = store.vehicles.add(Vehicle("お出かけ号", hall.id, skills=(Skill.OFFICE_TERMINAL,)))
    return {"resident": resident.id, "hall": hall.id, "shop": shop.id, "van": van.id}


@pytest.fixture
def seeded(store):
    return store, _seed(store)


def _visit(resident_id: int, **kwargs) -> Request:
    return Request(RequestKind.VISIT, VisitDetails(("residence_certificate",)), resident_id=resident_id,
                   received_at=dt.datetime(2026, 11, 20, 9, 0), **kwargs)


# --------------------------------------------------------------------------- strategies

#: Text as staff type it: anything but control characters, which every text field refuses (domain.check_text).
typed = st.characters(exclude_categories=("Cc", "Cs"))
texts = st.text(typed, max_size=12)
names = st.text(typed, min_size=1, max_size=12).filter(lambda s: s.strip())
external_ids = st.none() | st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=8)
lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)
seconds_of_day = st.integers(0, 86_400)
days = st.dates(D(2020, 1, 1), D(2035, 12, 31))


@st.composite
def spans(draw, *, min_gap: int = 1) -> tuple[int, int]:
    start = draw(st.integers(0, 86_400 - min_gap))
    return start, draw(st.integers(start + min_gap, 86_400))


@st.composite
def windows(draw) -> TimeWindow:
    start, end = draw(spans(min_gap=0))
    return TimeWindow(draw(days), start, end)


#: Phone numbers as the register keeps them (domain.check_phone): empty, or 10-11 digits with hyphens.
phones = st.just("") | st.from_regex(r"0[0-9]{2,4}-[0-9]{2,4}-[0-9]{4}", fullmatch=True).filter(
    lambda p: 10 <= sum(c.isdigit() for c in p) <= 11)
residents = st.builds(Resident, name=names, kana=texts, phone=phones, address=texts, lat=lats, lon=lons,
                      district=texts, notes=texts, contact_name=texts, contact_phone=phones,
                      consent=st.booleans(), external_id=external_ids)
sites = st.builds(Site, name=names, kind=st.sampled_from(SiteKind), lat=lats, lon=lons, address=texts,
                  opening_hours=st.dictionaries(st.integers(0, 6), spans(), max_size=7),
                  external_id=external_ids)


@st.composite
def vehicles(draw, depot_site_id: int) -> Vehicle:
    work = draw(spans())
    lunch_s = draw(st.integers(0, 2 * H))
    lunch_from = draw(st.integers(0, 86_400 - lunch_s))
    lunch_to = draw(st.integers(lunch_from + lunch_s, 86_400))
    return Vehicle(
        name=draw(names), depot_site_id=depot_site_id,
        capacity={d: draw(st.integers(0, 20)) for d in CAPACITY_DIMENSIONS},
        skills=tuple(draw(st.lists(st.sampled_from(Skill), unique=True))),
        cost_per_hour=draw(st.integers(0, 10_000)), fixed_cost=draw(st.integers(0, 10_000)),
        work_start_s=work[0], work_end_s=work[1], lunch_earliest_s=lunch_from,
        lunch_latest_end_s=lunch_to, lunch_s=lunch_s,
        workdays=tuple(draw(st.lists(st.integers(0, 6), unique=True))),
        active=draw(st.booleans()), external_id=draw(external_ids),
    )


@st.composite
def shift_exceptions(draw, vehicle_id: int) -> ShiftException:
    span = draw(st.none() | spans())
    return ShiftException(vehicle_id, draw(days), draw(st.sampled_from(["maintenance", "absence", "other"])),
                          *(span or (None, None)), note=draw(texts))


services = st.builds(
    Service, code=st.text(string.ascii_lowercase + "_", min_size=1, max_size=10).filter(lambda c: c != "_" * len(c)),
    name_ja=texts, name_en=texts, duration_s=st.integers(1, 7200),
    skill=st.none() | st.sampled_from(Skill), active=st.booleans())


@st.composite
def session_rules(draw) -> SessionRule:
    frequency = draw(st.sampled_from(["weekly", "biweekly", "monthly"]))
    nth = draw(st.integers(1, 5)) if frequency == "monthly" else draw(st.none() | st.integers(1, 5))
    anchor = draw(days) if frequency == "biweekly" else draw(st.none() | days)
    return SessionRule(frequency, draw(st.integers(0, 6)), nth=nth, anchor=anchor)


@st.composite
def requests(draw, ids: dict[str, int]) -> Request:
    kind = draw(st.sampled_from(RequestKind))
    site_ids = st.sampled_from([ids["hall"], ids["shop"]])
    if kind == RequestKind.VISIT:
        codes = ["residence_certificate", "seal_certificate", "consultation"]
        details = VisitDetails(tuple(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3))))
    elif kind == RequestKind.SESSION:
        earliest, latest = draw(spans(min_gap=0))
        details = SessionDetails(draw(site_ids), draw(session_rules()), draw(st.integers(1, 4 * H)),
                                 earliest, latest)
    elif kind == RequestKind.ERRAND:
        pickups = draw(st.lists(st.builds(ErrandPickup, site_ids, st.integers(1, 5), seconds_of_day),
                                min_size=1, max_size=3))
        details = ErrandDetails(tuple(pickups), draw(st.booleans()), draw(st.none() | st.integers(1, 4 * H)),
                                draw(st.integers(0, 50_000)), draw(texts))
    else:
        a, b = draw(st.sampled_from([(None, ids["hall"]), (ids["shop"], None), (ids["shop"], ids["hall"])]))
        details = RideDetails(a, b, draw(st.integers(1, 4)), draw(st.booleans()), draw(st.integers(1, 4 * H)))
    resident = ids["resident"] if kind != RequestKind.SESSION else draw(st.none() | st.just(ids["resident"]))
    status = draw(st.sampled_from(RequestStatus))
    promised = draw(windows()) if status == RequestStatus.BOOKED else draw(st.none() | windows())
    return Request(kind, details, resident_id=resident, status=status,
                   windows=draw(st.lists(windows(), max_size=3)), promised=promised,
                   received_at=draw(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2035, 1, 1))),
                   base_priority=draw(st.integers(0, 100)), notes=draw(texts), external_id=draw(external_ids))


@st.composite
def plans(draw, ids: dict[str, int], request_id: int) -> Plan:
    week = D(2026, 11, 30)
    stops = draw(st.lists(st.builds(
        PlanStop, vehicle_id=st.just(ids["van"]), day=st.sampled_from([week + dt.timedelta(days=i) for i in range(5)]),
        seq=st.integers(0, 50), step_type=st.sampled_from(["start", "visit", "session", "pickup", "delivery",
                                                           "break", "end"]),
        arrival_s=st.integers(0, 7 * 86_400), start_s=st.integers(0, 7 * 86_400),
        departure_s=st.integers(0, 7 * 86_400), request_id=st.none() | st.just(request_id),
        site_id=st.none() | st.sampled_from([ids["hall"], ids["shop"]]),
        resident_id=st.none() | st.just(ids["resident"]), lat=st.none() | lats, lon=st.none() | lons,
        load=st.lists(st.integers(0, 20), max_size=2).map(tuple), driving_s=st.integers(0, 40_000),
        distance_m=st.integers(0, 500_000)), max_size=8))
    unassigned = draw(st.lists(st.builds(UnassignedRequest, st.just(request_id), texts, st.none() | days),
                               max_size=3))
    summary = draw(st.dictionaries(st.text(max_size=6), st.integers(-10**6, 10**6) | texts
                                   | st.floats(allow_nan=False, allow_infinity=False), max_size=4))
    return Plan(week, draw(st.integers(0, 9)), draw(st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1))),
                draw(names), draw(st.sampled_from(PlanStatus)), summary, stops, unassigned)


# --------------------------------------------------------------------------- round trips


@SETTINGS
@given(resident=residents)
def test_resident_round_trip(resident):
    """A resident saved and loaded back equals the original (with its new id)."""
    with Store.open() as store:
        saved = store.residents.add(resident)
        assert saved.id is not None and resident.id is None
        assert store.residents.get(saved.id) == saved
        assert store.residents.all() == [saved]


@SETTINGS
@given(site=sites)
def test_site_round_trip(site):
    """A site with its kind and opening hours survives save and load."""
    with Store.open() as store:
        saved = store.sites.add(site)
        assert store.sites.get(saved.id) == saved
        assert store.sites.of_kind(site.kind) == [saved]


@SETTINGS
@given(data=st.data())
def test_vehicle_and_shift_exception_round_trip(data):
    """A vehicle (capacity, skills, hours, workdays) and a shift exception survive save and load."""
    with Store.open() as store:
        depot = store.sites.add(Site("車庫", SiteKind.DEPOT, 37.0, 140.9))
        vehicle = store.vehicles.add(data.draw(vehicles(depot.id)))
        assert store.vehicles.get(vehicle.id) == vehicle
        assert store.vehicles.all() == [vehicle]
        assert store.vehicles.active() == ([vehicle] if vehicle.active else [])
        exc = store.shift_exceptions.add(data.draw(shift_exceptions(vehicle.id)))
        assert store.shift_exceptions.between(exc.day, exc.day) == [exc]
        assert store.shift_exceptions.between(exc.day + dt.timedelta(days=1), exc.day + dt.timedelta(days=9)) == []


@SETTINGS
@given(service=services)
def test_service_round_trip(service):
    """An upserted service appears once in the catalogue, equal to the original."""
    with Store.open() as store:
        store.services.upsert(service)
        store.services.upsert(service)
        matching = [s for s in store.services.all() if s.code == service.code]
        assert matching == [service]


@SETTINGS
@given(data=st.data())
def test_request_round_trip_every_kind(data):
    """A request of any kind, status, windows and promise survives save and load, with its first event."""
    with Store.open() as store:
        ids = _seed(store)
        req = data.draw(requests(ids))
        saved = store.add_request(req, user="operator1")
        assert store.requests.get(saved.id) == saved
        assert store.requests.find(kind=req.kind, statuses=[req.status]) == [saved]
        (event,) = store.request_events.of_request(saved.id)
        assert (event.from_status, event.to_status, event.user) == (None, req.status, "operator1")


@SETTINGS
@given(data=st.data())
def test_plan_round_trip_with_stops_and_unassigned(data):
    """A plan with its stops, unassigned requests and summary survives save and load."""
    with Store.open() as store:
        ids = _seed(store)
        request_id = store.add_request(_visit(ids["resident"]), user="op").id
        plan = data.draw(plans(ids, request_id))
        saved = store.plans.save(plan)
        assert saved.version == 1
        loaded = store.plans.get(plan.week_start)
        assert sorted(loaded.stops, key=lambda s: s.id) == saved.stops
        assert loaded.unassigned == saved.unassigned
        loaded.stops = saved.stops
        assert loaded == saved
        assert store.plans.versions() == [Plan(**{**saved.__dict__, "stops": [], "unassigned": []})]


def test_session_booking_round_trip(seeded):
    """A booking into a session request is stored and found by session and by day."""
    store, ids = seeded
    session = store.add_request(Request(RequestKind.SESSION, SessionDetails(ids["hall"], SessionRule("weekly", 1))),
                                user="dispatcher")
    booking = store.session_bookings.add(SessionBooking(session.id, ids["resident"], D(2026, 12, 1),
                                                       ("residence_certificate", "consultation")))
    assert store.session_bookings.find(session_request_id=session.id) == [booking]
    assert store.session_bookings.find(day=D(2026, 12, 1)) == [booking]
    assert store.session_bookings.find(day=D(2026, 12, 8)) == []


def test_session_booking_needs_a_session_request(seeded):
    """Booking a resident into a home-visit request is refused, naming the request."""
    store, ids = seeded
    visit = store.add_request(_visit(ids["resident"]), user="op")
    with pytest.raises(InputError, match=f"request #{visit.id} is a visit"):
        store.session_bookings.add(SessionBooking(visit.id, ids["resident"], D(2026, 12, 1)))


# --------------------------------------------------------------------------- errors


def test_get_unknown_ids_name_the_id(store):
    """get_* of a missing id raises NotFound whose message names the id."""
    for getter, what in [(store.residents.get, "resident"), (store.sites.get, "site"),
                         (store.vehicles.get, "vehicle"), (store.requests.get, "request")]:
        with pytest.raises(NotFound, match=f"{what} 99 not found"):
            getter(99)


def test_duplicate_external_id_is_refused(seeded):
    """A second resident with external_id R1 is refused and names the holder."""
    store, _ids = seeded
    with pytest.raises(StorageError, match="'R1' is already used by resident"):
        store.residents.add(Resident("別人", "", "", "", 37.0, 140.0, external_id="R1"))
    assert len(store.residents.all()) == 1


def test_request_with_unknown_site_is_refused(seeded):
    """An errand picking up at site 42 (not stored) is refused naming the field; nothing stored."""
    store, ids = seeded
    errand = Request(RequestKind.ERRAND, ErrandDetails((ErrandPickup(42),)), resident_id=ids["resident"])
    with pytest.raises(NotFound, match=r"details.pickups\[0\].site_id: site 42 not found"):
        store.add_request(errand, user="op")
    assert store.requests.all() == []


def test_visit_with_unknown_service_is_refused(seeded):
    """A visit asking for a service code not in the catalogue is refused."""
    store, ids = seeded
    req = Request(RequestKind.VISIT, VisitDetails(("passport",)), resident_id=ids["resident"])
    with pytest.raises(NotFound, match="unknown service 'passport'"):
        store.add_request(req, user="op")


def test_opening_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    """A text file given as database gives an InputError naming the file."""
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite\n" * 100)
    with pytest.raises(InputError, match="notes.db: cannot open as an odekake database"):
        Store.open(path)


def test_update_resident_changes_the_stored_row(seeded):
    """update_resident overwrites fields; phone search follows the new number."""
    store, ids = seeded
    resident = store.residents.get(ids["resident"])
    resident.phone = "090-1234-5678"
    assert store.residents.update(resident) == resident
    assert store.residents.find("09012345678") == [resident]
    assert store.residents.find("0246") == []


# --------------------------------------------------------------------------- search


def test_find_residents_by_name_kana_phone_and_address(seeded):
    """Operators find 山田 花子 by name without space, hiragana or half-width kana, phone or address."""
    store, ids = seeded
    other = store.residents.add(Resident("佐藤 一郎", "サトウ イチロウ", "0246 23 4567", "いわき市田人町旅人", 37.0, 140.6))
    yamada = store.residents.get(ids["resident"])
    assert store.residents.find("山田花子") == [yamada]
    assert store.residents.find("やまだ") == [yamada]
    assert store.residents.find("ﾔﾏﾀﾞ") == [yamada]
    assert store.residents.find("０２４６２２") == [yamada]  # full-width digits
    assert store.residents.find("23-4567") == [other]
    assert store.residents.find("0246") == [other, yamada]  # ordered by kana: サ before ヤ
    assert store.residents.find("田人") == [other]
    assert store.residents.find("   ") == []
    assert store.residents.find("%") == []  # LIKE wildcards are matched literally


# --------------------------------------------------------------------------- status life cycle


def test_status_life_cycle_records_every_event(seeded):
    """received → offered → booked (with promise) → planned → dispatched → done, each an event."""
    store, ids = seeded
    req = store.add_request(_visit(ids["resident"]), user="op1")
    promise = TimeWindow(D(2026, 12, 1), 10 * H, 11 * H)
    store.change_status(req.id, RequestStatus.OFFERED, user="op1", note="Tue or Thu offered")
    booked = store.change_status(req.id, "booked", user="op1", promised=promise)
    assert booked.promised == promise and store.requests.get(req.id).promised == promise
    for status in ("planned", "dispatched", "done"):
        store.change_status(req.id, status, user="dispatcher")
    events = store.request_events.of_request(req.id)
    assert [(e.from_status and e.from_status.value, e.to_status.value) for e in events] == [
        (None, "received"), ("received", "offered"), ("offered", "booked"), ("booked", "planned"),
        ("planned", "dispatched"), ("dispatched", "done")]
    assert events[1].note == "Tue or Thu offered" and events[-1].user == "dispatcher"
    assert store.requests.get(req.id).status == RequestStatus.DONE


def test_refused_transition_changes_nothing(seeded):
    """done → received is not in TRANSITIONS: InputError, status and events unchanged."""
    store, ids = seeded
    req = store.add_request(_visit(ids["resident"], status=RequestStatus.RECEIVED), user="op")
    store.change_status(req.id, "cancelled", user="op")
    with pytest.raises(InputError, match="cannot change status from cancelled to received"):
        store.change_status(req.id, "received", user="op")
    with pytest.raises(InputError, match="unknown status 'lost'"):
        store.change_status(req.id, "lost", user="op")
    assert store.requests.get(req.id).status == RequestStatus.CANCELLED
    assert len(store.request_events.of_request(req.id)) == 2


def test_system_changes_keep_their_cause_as_a_code_with_arguments(seeded):
    """A cause from the closed set is stored and read back; an unknown or incomplete one changes nothing."""
    store, ids = seeded
    req = store.add_request(_visit(ids["resident"]), user="op")
    store.change_status(req.id, "planned", user="planner", cause="plan",
                        cause_args={"week": "2026-11-30", "version": 3})
    last = store.request_events.of_request(req.id)[-1]
    assert (last.cause, last.cause_args, last.note) == ("plan", {"week": "2026-11-30", "version": 3}, "")
    with pytest.raises(InputError, match="cause: unknown cause 'whim'"):
        store.change_status(req.id, "received", user="op", cause="whim")
    with pytest.raises(InputError, match="cause_args: cause 'plan_left_out' needs reason"):
        store.change_status(req.id, "received", user="op", cause="plan_left_out",
                            cause_args={"week": "2026-11-30", "version": 4})
    assert store.requests.get(req.id).status == RequestStatus.PLANNED
    assert len(store.request_events.of_request(req.id)) == 2


def test_booking_without_a_promise_is_refused(seeded):
    """Booking needs the promised window; without it nothing changes."""
    store, ids = seeded
    req = store.add_request(_visit(ids["resident"]), user="op")
    with pytest.raises(InputError, match="needs the promised window"):
        store.change_status(req.id, "booked", user="op")
    assert store.requests.get(req.id).status == RequestStatus.RECEIVED
    assert len(store.request_events.of_request(req.id)) == 1


def test_status_change_fails_with_its_event(seeded, monkeypatch):
    """If storing the event fails, the status change is rolled back with it."""
    store, ids = seeded
    req = store.add_request(_visit(ids["resident"]), user="op")
    real_insert = Store._insert

    def failing_insert(self, table, row):
        if table == "request_events":
            raise RuntimeError("disk full")
        return real_insert(self, table, row)

    monkeypatch.setattr(Store, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        store.change_status(req.id, "cancelled", user="op")
    monkeypatch.undo()
    assert store.requests.get(req.id).status == RequestStatus.RECEIVED
    assert len(store.request_events.of_request(req.id)) == 1


def test_request_is_not_stored_when_its_first_event_fails(seeded, monkeypatch):
    """add_request writes the request and its event together: a failing event leaves no request."""
    store, ids = seeded

    def failing_insert(self, table, row):
        if table == "request_events":
            raise RuntimeError("disk full")
        return self.db[table].insert(row).last_pk

    monkeypatch.setattr(Store, "_insert", failing_insert)
    with pytest.raises(RuntimeError):
        store.add_request(_visit(ids["resident"]), user="op")
    monkeypatch.undo()
    assert store.requests.all() == []


# --------------------------------------------------------------------------- plans and transactions


def _plan(ids: dict[str, int], *, vehicle_id: int | None = None, n_stops: int = 3) -> Plan:
    week = D(2026, 11, 30)
    stops = [PlanStop(ids["van"], D(2026, 12, 1), seq, "visit", 30_600 + seq, 30_600 + seq, 31_000 + seq)
             for seq in range(n_stops)]
    if vehicle_id is not None:
        stops[1].vehicle_id = vehicle_id
    return Plan(week, 0, dt.datetime(2026, 11, 27, 16, 0), "dispatcher", stops=stops)


def _count(store: Store, table: str) -> int:
    return store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_plan_versions_are_numbered_per_week(seeded):
    """Two saves of the same week get versions 1 and 2; another week starts at 1 again."""
    store, ids = seeded
    first, second = store.plans.save(_plan(ids)), store.plans.save(_plan(ids))
    other = store.plans.save(Plan(D(2026, 12, 7), 0, dt.datetime(2026, 12, 4), "dispatcher"))
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert store.plans.get(D(2026, 11, 30)).id == second.id
    assert store.plans.get(D(2026, 11, 30), 1).id == first.id
    assert store.plans.get(D(2026, 11, 30), 3) is None
    assert [(p.week_start, p.version) for p in store.plans.versions()] == [
        (D(2026, 12, 7), 1), (D(2026, 11, 30), 2), (D(2026, 11, 30), 1)]
    assert all(p.stops == [] for p in store.plans.versions(D(2026, 11, 30)))


def test_failed_plan_save_leaves_previous_version_and_no_orphan_stops(seeded):
    """Version 2 whose second stop names vehicle 99 fails mid-write; version 1 stays, no v2 rows remain."""
    store, ids = seeded
    v1 = store.plans.save(_plan(ids))
    with pytest.raises(StorageError, match=r"stops\[1\] \(vehicle 99"):
        store.plans.save(_plan(ids, vehicle_id=99))
    assert store.plans.get(D(2026, 11, 30)) == v1
    assert _count(store, "plans") == 1
    assert _count(store, "plan_stops") == 3  # v1's three stops only
    # The next successful save is version 2, not 3: the failed one left no number behind.
    assert store.plans.save(_plan(ids)).version == 2


def test_plan_save_failing_on_unassigned_rolls_back_the_stops(seeded, monkeypatch):
    """A failure after all stops were written (on the unassigned list) still removes them."""
    store, ids = seeded
    request_id = store.add_request(_visit(ids["resident"]), user="op").id
    plan = _plan(ids)
    plan.unassigned = [UnassignedRequest(request_id, "not enough time in any shift")]
    real_insert = PlanVersions._insert_rows

    def failing_insert(self, table, rows, plan_id):
        if table == "plan_unassigned":
            raise RuntimeError("simulated crash")
        return real_insert(self, table, rows, plan_id)

    monkeypatch.setattr(PlanVersions, "_insert_rows", failing_insert)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.plans.save(plan)
    monkeypatch.undo()
    assert (_count(store, "plans"), _count(store, "plan_stops")) == (0, 0)
    assert plan.id is None  # the caller's object was not touched


def test_publish_keeps_earlier_published_versions(seeded):
    """Publishing v2 after v1 leaves both published; published_plan is v2; drafts stay drafts."""
    store, ids = seeded
    v1, v2, _v3 = (store.plans.save(_plan(ids)) for _ in range(3))
    assert store.plans.published(D(2026, 11, 30)) is None
    store.plans.publish(v1.id, user="chief")
    published = store.plans.publish(v2.id, user="chief")
    assert published.status == PlanStatus.PUBLISHED and len(published.stops) == 3
    statuses = {p.version: p.status for p in store.plans.versions(D(2026, 11, 30))}
    assert statuses == {1: PlanStatus.PUBLISHED, 2: PlanStatus.PUBLISHED, 3: PlanStatus.DRAFT}
    assert store.plans.published(D(2026, 11, 30)).version == 2
    with pytest.raises(NotFound, match="plan 77 not found"):
        store.plans.publish(77, user="chief")


def test_nested_transaction_joins_the_outer_one(seeded):
    """Work done in an inner block is undone when the outer block fails afterwards."""
    store, _ids = seeded
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.sites.add(Site("田人公民館", SiteKind.COMMUNITY_HALL, 36.9, 140.6))
        raise RuntimeError("outer fails")
    assert len(store.sites.all()) == 2  # only the two seeded sites


def test_for_instance_uses_the_instance_database(tmp_path):
    """Store.for_instance opens instance/odekake.db (creating it), as routing.instance says."""
    with Store.for_instance(tmp_path / "city") as store:
        store.sites.add(Site("支所", SiteKind.BRANCH_OFFICE, 37.0, 140.8))
    assert (tmp_path / "city" / "odekake.db").is_file()
    with Store.open(tmp_path / "city" / "odekake.db") as store:
        assert [s.name for s in store.sites.all()] == ["支所"]


def test_personal_data_never_reaches_the_logs(caplog):
    """Storing and finding a resident and their request logs ids only: no name, phone or address."""
    caplog.set_level("DEBUG")
    with Store.open() as store:
        ids = _seed(store)
        req = store.add_request(_visit(ids["resident"]), user="op")
        store.change_status(req.id, "cancelled", user="op")
        store.residents.find("山田")
        store.plans.save(_plan(ids))
    assert caplog.records, "the store is expected to log its writes"
    for text in ("山田", "ヤマダ", "0246", "川前"):
        assert text not in caplog.text


def test_delete_shift_exception():
    """A stored shift exception can be deleted; deleting it again names the missing id."""
    with Store.open() as store:
        depot = store.sites.add(Site("車庫", SiteKind.DEPOT, 37.0, 140.9))
        van = store.vehicles.add(Vehicle("1号車", depot.id))
        exc = store.shift_exceptions.add(ShiftException(van.id, dt.date(2026, 12, 1), reason="extra_duty"))
        store.shift_exceptions.delete(exc.id)
        assert store.shift_exceptions.between(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == []
        with pytest.raises(NotFound, match=f"shift exception {exc.id} not found"):
            store.shift_exceptions.delete(exc.id)
