"""Fixtures shared by every test package: the fictional sample district, built once per session."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture(scope="session")
def sample_instance(tmp_path_factory):
    """Instance folder with the sample district built through `odekake graph build --sample`.

    Shared by the whole session: copy its ``graph`` folder, never write into it.
    """
    from webapp.cli import cli

    instance = tmp_path_factory.mktemp("sample-instance")
    result = CliRunner().invoke(cli, ["--instance", str(instance), "graph", "build", "--sample"])
    assert result.exit_code == 0, result.output
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
