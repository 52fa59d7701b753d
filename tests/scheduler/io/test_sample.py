"""The fictional sample week: content, determinism, labelling, and that it is plannable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from routing.errors import InputError
from routing.pois import read_pois
from routing.sample_district import DEFAULT_PATH
from scheduler.domain import RequestKind, SiteKind
from scheduler.io.sample import load_sample, sample_now
from scheduler.planning import plan_week
from scheduler.store import Store
from scheduler.vrp.params import SolveParams

WEEK = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def loaded(sample_network):
    """The full sample week in an in-memory store."""
    with Store.open(":memory:") as store:
        report = load_sample(store, sample_network, WEEK)
        yield store, report


def _snapshot(store):
    residents = [dataclasses.astuple(r) for r in store.residents.all()]
    requests = [(r.kind, repr(r.details), r.windows, r.promised, r.received_at, r.status) for r in store.requests.all()]
    return residents, requests


def test_sample_content(loaded):
    """About 70 residents and 150 requests of all four kinds, sites of every kind, a 3-vehicle fleet."""
    store, report = loaded
    assert len(store.residents.all()) == report.residents == 70
    assert 140 <= report.requests <= 170
    assert set(report.requests_by_kind) == {k.value for k in RequestKind}
    assert report.promised >= 15
    kinds = {s.kind for s in store.sites.all()}
    assert kinds == {SiteKind.BRANCH_OFFICE, SiteKind.COMMUNITY_HALL, SiteKind.SHOP, SiteKind.PHARMACY,
                     SiteKind.CLINIC}
    assert [v.name for v in store.vehicles.active()] == ["お出かけ市役所号 (架空)", "お出かけ市役所2号 (架空)", "おつかい便 (架空)"]
    errands = store.requests.find(kind=RequestKind.ERRAND)
    assert any(e.details.chilled for e in errands) and any(len(e.details.pickups) == 2 for e in errands)
    rides = store.requests.find(kind=RequestKind.RIDE)
    assert any(r.details.return_of is not None for r in rides)
    rules = {r.details.rule.frequency for r in store.requests.find(kind=RequestKind.SESSION)}
    assert rules == {"weekly", "biweekly", "monthly"}
    assert report.now == sample_now(WEEK) == dt.datetime(2026, 11, 27, 17, 0)


def test_everything_is_labelled_fictional_and_homes_are_near_hamlets(loaded, sample_network):
    """Every record says it is fictional; each home is within ~330 m of a hamlet and snaps to a road."""
    store, _ = loaded
    hamlets = [p for p in read_pois(DEFAULT_PATH) if p.kind == "hamlet"]
    k = 6371009.0 * math.pi / 180
    for r in store.residents.all():
        assert r.external_id.startswith("SAMPLE-R") and "(架空)" in r.address and "fictional" in r.district
        assert r.phone.startswith("0246-8")
        nearest = min(math.hypot((r.lat - h.lat) * k, (r.lon - h.lon) * k * math.cos(math.radians(h.lat)))
                      for h in hamlets)
        assert nearest <= 330  # a road node within 300 m, plus at most ~30 m off the road
    snapped = sample_network.snap([(str(r.id), r.lat, r.lon) for r in store.residents.all()])
    assert max(s.offset_m for s in snapped) < 60
    assert all(s.external_id.startswith("SAMPLE-") for s in store.sites.all())


def test_same_seed_same_data_other_seed_other_data(loaded, sample_network):
    """Loading with the same seed gives identical residents and requests; another seed differs."""
    store, _ = loaded
    again, other = Store.open(":memory:"), Store.open(":memory:")
    load_sample(again, sample_network, WEEK)
    load_sample(other, sample_network, WEEK, seed=8)
    assert _snapshot(again) == _snapshot(store)
    assert _snapshot(other) != _snapshot(store)


def test_loading_twice_or_on_a_tuesday_is_refused(loaded, sample_network):
    """A second load into the same database and a non-Monday week are clear input errors."""
    store, _ = loaded
    with pytest.raises(InputError, match="already loaded"):
        load_sample(store, sample_network, WEEK)
    with pytest.raises(InputError, match="does not start on a Monday"):
        load_sample(Store.open(":memory:"), sample_network, WEEK + dt.timedelta(days=1))


@pytest.mark.slow
def test_sample_week_is_plannable_and_keeps_every_promise(sample_network):
    """The first solution alone (solution limit 1, deterministic) serves most requests and every promise."""
    store = Store.open(":memory:")
    report = load_sample(store, sample_network, WEEK)
    result = plan_week(store, sample_network, WEEK, params=SolveParams(time_limit_s=120, solution_limit=1),
                       now=report.now)
    s = result.plan.summary
    assert s["served"] >= 0.8 * s["requests"]
    assert s["broken_promises"] == [] and s["promises_kept"] == report.promised


def test_holiday_week_gets_no_promise_or_preference_on_the_holiday(sample_network):
    """The week of 2027-01-11 starts with 成人の日 (a Monday holiday): no request is promised or wished for that day.

    The week has four service days, so it also gets about four fifths of the requests (fewer to fit).
    """
    from scheduler.service_calendar import service_days

    week = dt.date(2027, 1, 11)
    days = set(service_days(week))
    assert week not in days and len(days) == 4
    with Store.open(":memory:") as store:
        report = load_sample(store, sample_network, week)
        requests = store.requests.all()
    promised_days = {r.promised.day for r in requests if r.promised is not None}
    wished_days = {w.day for r in requests for w in r.windows}
    assert promised_days and promised_days <= days
    assert wished_days <= days
    assert report.requests < 153 * 0.9
