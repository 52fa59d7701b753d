"""Fixtures shared by every test package: the fictional sample district, built once per session."""

from __future__ import annotations

import pytest


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

    The plan uses a solution limit of 1 (the same plan on any machine,
    validated by `plan_week`). Returns (the open `Store`, the `PlanResult`):
    the caller adds what its tests need, then closes the store (``with``).
    """
    import shutil

    from routing.network import RoadNetwork
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    shutil.copytree(sample_instance / "graph", instance / "graph")
    network = RoadNetwork.from_instance(instance)
    store = Store.for_instance(instance)
    try:
        load_sample(store, network, week, scale=scale)
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=60, solution_limit=1), user="test")
        publish(store, result.plan.id, user="test")
    except BaseException:
        store.close()
        raise
    return store, result
