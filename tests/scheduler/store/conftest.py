"""Fixtures of the storage tests: an empty in-memory store; a planned sample instance with crew reports and audit entries."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

WEEK = dt.date(2026, 11, 30)


@pytest.fixture
def store():
    """An empty store in memory (sqlite-utils' ``fresh_db``), closed after the test."""
    from scheduler.store import Store

    with Store.open() as s:
        yield s


@pytest.fixture(scope="session")
def planned_safety_template(sample_instance, tmp_path_factory):
    """An instance folder with a small sample week planned, published, one stop reported, one audit entry."""
    from scheduler.accounts import AuditEntry
    from tests.conftest import planned_sample_copy

    instance = tmp_path_factory.mktemp("safety")
    store, result = planned_sample_copy(sample_instance, instance, WEEK, scale=0.2)
    with store:
        visit = next(s for s in result.plan.stops if s.step_type == "visit")
        store.mark_stop(visit.id, "done", user="driver1", note="玄関で対応",
                        now=dt.datetime.combine(visit.day, dt.time(17)))
        store.audit_log.add(AuditEntry(user="operator", action="view", subject="resident",
                               subject_ids=(visit.resident_id,), where="test"))
    return instance


@pytest.fixture
def safety_instance(planned_safety_template, tmp_path):
    """A private copy of the planned instance folder (tests may write)."""
    folder = tmp_path / "instance"
    shutil.copytree(planned_safety_template, folder)
    return folder
