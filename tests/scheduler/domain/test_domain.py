"""Tests of the domain dataclasses: validation names the field, rules behave as documented."""

import datetime as dt

import pytest

from scheduler import domain as d


def test_time_helpers_round_trip():
    """8:30 is 30600 s; week seconds count from Monday 00:00."""
    assert d.parse_hhmm("8:30") == 30600
    assert d.hhmm(30600) == "8:30"
    monday = dt.date(2026, 11, 30)
    # Tuesday 9:00 = 86400 + 32400 (PROBLEM_FORMAT.md example)
    assert d.week_seconds(monday, dt.date(2026, 12, 1), 9 * 3600) == 118800
    assert d.week_monday(dt.date(2026, 12, 3)) == monday


def test_day_label_is_how_staff_read_days_times_and_windows():
    """A day, a day with a time, a day with a window; TimeWindow.label is the window form."""
    tue = dt.date(2026, 12, 1)
    assert d.day_label(tue) == "2026-12-01 (Tue)"
    assert d.day_label(tue, 9 * 3600) == "2026-12-01 (Tue) 9:00"
    assert d.day_label(tue, 9 * 3600, 12 * 3600) == "2026-12-01 (Tue) 9:00–12:00"
    assert d.TimeWindow(tue, 9 * 3600, 12 * 3600).label() == "2026-12-01 (Tue) 9:00–12:00"


@pytest.mark.parametrize("text", ["8", "25:00", "8:75", "", "a:b"])
def test_parse_hhmm_rejects_bad_times(text):
    """A malformed time is a DomainError that quotes the text."""
    with pytest.raises(d.DomainError, match="time"):
        d.parse_hhmm(text)


def test_resident_rejects_bad_latitude_naming_the_field():
    """Latitude 123 is refused with a message naming `lat`."""
    with pytest.raises(d.DomainError, match=r"^lat: "):
        d.Resident(name="山田 花子", kana="ヤマダ ハナコ", phone="", address="", lat=123, lon=140.0)


def test_site_opening_hours_are_checked():
    """A site that opens after it closes names the weekday."""
    with pytest.raises(d.DomainError, match=r"opening_hours\[2\]"):
        d.Site(name="商店", kind="shop", lat=37.0, lon=140.0, opening_hours={2: (18 * 3600, 9 * 3600)})
    site = d.Site(name="商店", kind="shop", lat=37.0, lon=140.0, opening_hours={"0": (32400, 64800)})
    assert site.hours_on(dt.date(2026, 11, 30)) == (32400, 64800)
    assert site.hours_on(dt.date(2026, 12, 6)) is None  # Sunday: closed


def test_vehicle_capacity_dimensions_and_lunch_window():
    """Unknown capacity dimensions and a lunch window shorter than lunch are refused."""
    v = d.Vehicle(name="1号車", depot_site_id=1, capacity={"seats": 2})
    assert v.amount_vector() == [2, 0]
    with pytest.raises(d.DomainError, match="capacity"):
        d.Vehicle(name="1号車", depot_site_id=1, capacity={"pallets": 2})
    with pytest.raises(d.DomainError, match="lunch"):
        d.Vehicle(name="1号車", depot_site_id=1, lunch_earliest_s=43200, lunch_latest_end_s=45000)


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [
        (d.SessionRule("weekly", 1), dt.date(2026, 12, 1), True),  # a Tuesday
        (d.SessionRule("weekly", 1), dt.date(2026, 12, 2), False),
        # biweekly from Thu 2026-12-03: 12-17 yes (2 weeks), 12-10 no (1 week)
        (d.SessionRule("biweekly", 3, anchor=dt.date(2026, 12, 3)), dt.date(2026, 12, 17), True),
        (d.SessionRule("biweekly", 3, anchor=dt.date(2026, 12, 3)), dt.date(2026, 12, 10), False),
        # first Tuesday of December 2026 is the 1st; the 8th is the second
        (d.SessionRule("monthly", 1, nth=1), dt.date(2026, 12, 1), True),
        (d.SessionRule("monthly", 1, nth=1), dt.date(2026, 12, 8), False),
        (d.SessionRule("monthly", 1, nth=2), dt.date(2026, 12, 8), True),
    ],
)
def test_session_rule_occurrences(rule, day, expected):
    """Weekly, biweekly and nth-weekday rules hold sessions on the right days."""
    assert rule.occurs_on(day) is expected


def test_request_checks_kind_details_and_promise():
    """A request's details must match its kind, and a booked one needs its promise."""
    with pytest.raises(d.DomainError, match="details"):
        d.Request(kind="visit", details=d.RideDetails(from_site_id=None, to_site_id=1), resident_id=1)
    with pytest.raises(d.DomainError, match="resident_id"):
        d.Request(kind="visit", details={"services": ["consultation"]})
    with pytest.raises(d.DomainError, match="promised"):
        d.Request(kind="visit", details={"services": ["consultation"]}, resident_id=1, status="booked")
    r = d.Request(kind="errand", resident_id=1,
                  details={"pickups": [{"site_id": 3, "boxes": 2}, {"site_id": 4}], "chilled": True})
    assert r.details.boxes == 3
    assert r.details.max_ride_s == 5400  # chilled goods default to a 90-minute limit


def test_status_transitions():
    """Received may be booked; done is final."""
    r = d.Request(kind="visit", details={"services": ["consultation"]}, resident_id=1)
    assert r.can_move_to(d.RequestStatus.BOOKED)
    r.status = d.RequestStatus.DONE
    assert not r.can_move_to(d.RequestStatus.RECEIVED)


def test_default_services_follow_domain_durations():
    """Catalogue durations are the DOMAIN.md defaults (certificate 10 min, My Number 20 ...)."""
    durations = {s.code: s.duration_s for s in d.DEFAULT_SERVICES}
    assert durations["residence_certificate"] == 600
    assert durations["mynumber_application"] == 1200
    assert durations["insurance_link"] == 900
    assert durations["consultation"] == 1800


def test_plan_week_must_start_on_monday():
    """A plan's week starts on a Monday."""
    with pytest.raises(d.DomainError, match="week_start"):
        d.Plan(week_start=dt.date(2026, 12, 1), version=1, created_at=dt.datetime.now(), created_by="x")


@pytest.mark.parametrize(("phone", "kept"), [
    ("0246-12-3456", "0246-12-3456"), ("090-1234-5678", "090-1234-5678"), ("０２４６－１２－３４５６", "0246-12-3456"),
    ("0246 (12) 3456", "0246-12-3456"), ("", ""), ("0246-AB-CDEF", None), ("123-4567", None),
    ("0246-12-345678", None), ("+81-246-12-3456", None),
])
def test_phone_numbers_are_kept_as_dialled_or_refused(phone, kept):
    """10 or 11 digits with hyphens (full-width and spaces read as such), or nothing; letters are refused."""
    def make(value):
        return d.Resident(name="山田 花子", kana="ヤマダ ハナコ", phone=value, address="", lat=37.0, lon=140.0)

    if kept is None:
        with pytest.raises(d.DomainError, match=r"^phone: .* is not a phone number"):
            make(phone)
    else:
        assert make(phone).phone == kept


def test_free_text_has_a_limit_that_names_the_field():
    """A 3,000-character memo is refused (at most 500), as a 101-character name (at most 100)."""
    with pytest.raises(d.DomainError, match=r"^notes: 3000 characters; at most 500"):
        d.Resident(name="山田", kana="", phone="", address="", lat=37.0, lon=140.0, notes="あ" * 3000)
    with pytest.raises(d.DomainError, match=r"^name: 101 characters; at most 100"):
        d.Resident(name="山" * 101, kana="", phone="", address="", lat=37.0, lon=140.0)
