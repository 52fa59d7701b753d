"""Shared fixtures: the sample district built once per test session."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from routing.graph import load_instance_graph
from routing.network import RoadNetwork


@pytest.fixture(scope="session")
def sample_instance(tmp_path_factory):
    """Instance folder with the sample district built through `odekake graph build --sample`."""
    from webapp.cli import cli

    instance = tmp_path_factory.mktemp("sample-instance")
    result = CliRunner().invoke(cli, ["--instance", str(instance), "graph", "build", "--sample"])
    assert result.exit_code == 0, result.output
    return instance


@pytest.fixture(scope="session")
def sample_graph(sample_instance):
    """The sample district's road graph as loaded from the instance."""
    return load_instance_graph(sample_instance)


@pytest.fixture(scope="session")
def sample_network(sample_graph):
    """A RoadNetwork on the sample district without a disk cache."""
    return RoadNetwork(sample_graph)
