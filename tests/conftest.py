"""Fixtures shared by every test package: the fictional sample district, built once per session.

A test's verdict never depends on the machine's speed or today's date (STYLE.md, "Tests"):
fixtures that plan use a solution limit and the sample's planning time (`scheduler.io.sample.sample_now`;
today would move every waiting request's bonus, `scheduler.compiler.request_priority`, and so the
plan), and a solve whose time limit came before its solution limit fails the test that ran it
(`_clock_free_solves`).
"""

from __future__ import annotations

import logging

import pytest


class _ClockBound(logging.Handler):
    """Keep the solver's warnings that a solution-limited search was ended by its time limit."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("solution limit"):
            self.records.append(record)


_CLOCK_BOUND = _ClockBound()
logging.getLogger("scheduler.vrp.search").addHandler(_CLOCK_BOUND)


@pytest.fixture(autouse=True)
def _clock_free_solves():
    """Fail a test, or the fixture it set up, whose solution-limited solve stopped on the clock instead.

    Such a plan is whatever this machine reached in the time (`scheduler.vrp.search.clock_free`):
    raise the time limit or lower the solution limit. A test about that very case takes the
    records from `clock_bound_solves`.
    """
    before = [r.getMessage() for r in _CLOCK_BOUND.records]
    _CLOCK_BOUND.records.clear()
    assert before == [], f"a fixture's solve stopped on its time limit, not its solution limit: {before}"
    yield
    after = [r.getMessage() for r in _CLOCK_BOUND.records]
    _CLOCK_BOUND.records.clear()
    assert after == [], f"a solve stopped on its time limit, not its solution limit: {after}"


@pytest.fixture
def clock_bound_solves() -> list[logging.LogRecord]:
    """The solver's warnings of this test so far that a time limit came before the solution limit (take them)."""
    return _CLOCK_BOUND.records


@pytest.fixture(scope="session")
def sample_instance(tmp_path_factory):
    """Instance folder with the sample district's graph, built as every command builds it.

    Shared by the whole session: copy its ``graph`` folder, never write into it.
    """
    from routing.sample_district import build_sample_graph

    instance = tmp_path_factory.mktemp("sample-instance")
    build_sample_graph(instance)
    return instance


@pytest.fixture(scope="session")
def sample_graph(sample_instance):
    """The sample district's road graph as loaded from the instance."""
    from routing.graph import load_instance_graph

    return load_instance_graph(sample_instance)


@pytest.fixture(scope="session")
def sample_network(sample_graph):
    """A RoadNetwork on the sample district without a disk cache."""
    from routing.network import RoadNetwork

    return RoadNetwork(sample_graph)


def planned_sample_copy(sample_instance, instance, week, *, scale: float = 1.0):
    """Give `instance` the sample graph, load the sample `week` into its database, plan and publish it.

    The plan uses a solution limit of 1 and the sample's planning time (`sample_now`: the
    same plan on any machine and any day, validated by `plan_week`). Returns (the open `Store`, the `PlanResult`):
    the caller adds what its tests need, then closes the store (``with``).
    """
    import shutil

    from routing.network import RoadNetwork
    from scheduler.io.sample import load_sample, sample_now
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    shutil.copytree(sample_instance / "graph", instance / "graph")
    network = RoadNetwork.from_instance(instance)
    store = Store.for_instance(instance)
    try:
        load_sample(store, network, week, scale=scale)
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=60, solution_limit=1), user="test",
                           now=sample_now(week))
        publish(store, result.plan.id, user="test")
    except BaseException:
        store.close()
        raise
    return store, result


@pytest.fixture(scope="session")
def published_sample_week(sample_instance, tmp_path_factory):
    """An instance folder with the sample week of 2026-11-30 planned and published: read-only, copy it to write.

    Shared by the scheduler's day-of-operations tests (the live day, moves, locks, re-planning a day),
    so the week is planned once per session.
    """
    import datetime as dt

    folder = tmp_path_factory.mktemp("published") / "instance"
    folder.mkdir()
    store, _ = planned_sample_copy(sample_instance, folder, dt.date(2026, 11, 30))
    store.close()
    return folder
