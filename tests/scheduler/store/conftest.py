"""Fixtures of the data-safety tests: a planned sample instance with crew reports and audit entries."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

WEEK = dt.date(2026, 11, 30)


@pytest.fixture(scope="session")
def planned_safety_template(sample_instance, tmp_path_factory):
    """An instance folder with a small sample week planned, published, one stop reported, one audit entry."""
    from routing.network import RoadNetwork
    from scheduler.accounts import AuditEntry
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    instance = tmp_path_factory.mktemp("safety")
    shutil.copytree(sample_instance / "graph", instance / "graph")
    network = RoadNetwork.from_instance(instance)
    with Store.for_instance(instance) as store:
        load_sample(store, network, WEEK, scale=0.2)
        result = plan_week(store, network, WEEK, params=SolveParams(time_limit_s=60, solution_limit=1), user="test")
        publish(store, result.plan.id, user="test")
        visit = next(s for s in result.plan.stops if s.step_type == "visit")
        store.mark_stop(visit.id, "done", user="driver1", note="玄関で対応")
        store.audit(AuditEntry(user="operator", action="view", subject="resident",
                               subject_ids=(visit.resident_id,), where="test"))
    return instance


@pytest.fixture
def safety_instance(planned_safety_template, tmp_path):
    """A private copy of the planned instance folder (tests may write)."""
    folder = tmp_path / "instance"
    shutil.copytree(planned_safety_template, folder)
    return folder
