"""The example drafts of docs/examples/drafts/ get offers on the sample week, as docs/BOOKING.md promises."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scheduler.booking import find_offers, parse_draft
from scheduler.io.sample import load_sample
from scheduler.planning import plan_week
from scheduler.store import Store
from scheduler.vrp.params import SolveParams

DRAFTS = sorted((Path(__file__).parents[3] / "docs" / "examples" / "drafts").glob("*.json"))
WEEK = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def planned_sample(sample_network):
    """The sample week of 2026-12-07, loaded and planned (solution limit 1: the same plan on any machine), and its "now"."""
    store = Store.open(":memory:")
    report = load_sample(store, sample_network, WEEK)
    plan_week(store, sample_network, WEEK, params=SolveParams(solution_limit=1, time_limit_s=120), now=report.now)
    yield store, report.now  # the call is taken when the sample's requests came in, not today
    store.close()


def test_there_is_a_draft_for_each_kind_taken_on_the_phone():
    assert {json.loads(p.read_text(encoding="utf-8"))["kind"] for p in DRAFTS} == {"visit", "errand", "ride"}


@pytest.mark.parametrize("path", DRAFTS, ids=lambda p: p.stem)
def test_each_example_draft_gets_offers_inside_its_days(planned_sample, sample_network, path):
    data = json.loads(path.read_text(encoding="utf-8"))
    store, now = planned_sample
    result = find_offers(store, sample_network, parse_draft(store, data, today=now.date()), now=now)
    assert result.offers, result.to_dict()
    earliest, latest = dt.date.fromisoformat(data["earliest"]), dt.date.fromisoformat(data["latest"])
    assert all(earliest <= offer.day <= latest for offer in result.offers)


def test_a_default_visit_gets_a_choice_of_days_on_the_sample(planned_sample, sample_network):
    """A default visit (no days, no hours) on the sample: five offers on five days, each arrival early in its window."""
    store, now = planned_sample
    draft = parse_draft(store, {"resident": "SAMPLE-R010", "kind": "visit", "services": ["seal_certificate"],
                                "earliest": WEEK.isoformat()}, today=now.date())
    offers = find_offers(store, sample_network, draft, now=now).offers
    assert len(offers) == 5 and len({o.day for o in offers}) == 5
    assert len({(o.day, o.expected_s) for o in offers}) == 5
    assert all(o.start_s <= o.expected_s <= (o.start_s + o.end_s) / 2 + 450 for o in offers)
