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
