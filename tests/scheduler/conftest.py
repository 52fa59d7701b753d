"""Shared fixtures of the scheduler tests (solver fixtures below)."""

from __future__ import annotations

import pytest

# ---------------------------------------------------------------- solver fixtures


def line_matrix(positions_s: list[int]) -> list[list[int]]:
    """Return a travel matrix of points on a line: |a - b| seconds apart."""
    return [[abs(a - b) for b in positions_s] for a in positions_s]


@pytest.fixture
def solve_checked():
    """Solve a problem with a solution limit and assert the validator finds nothing."""
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    def run(problem: dict, **params) -> dict:
        params.setdefault("solution_limit", 40)
        params.setdefault("time_limit_s", 3.0)
        solution = solve(problem, SolveParams(**params))
        errors = validate(problem, solution)
        assert errors == [], errors
        return solution

    return run

# The sample district's instance, graph and network come from tests/conftest.py.


# ---------------------------------------------------------------- the published sample week, a copy to write


@pytest.fixture
def published_copy(published_sample_week, tmp_path):
    """A private copy of the published sample week's instance folder (`published_sample_week`)."""
    import shutil

    folder = tmp_path / "instance"
    shutil.copytree(published_sample_week, folder)
    return folder


@pytest.fixture
def published_store(published_copy):
    """The open store of `published_copy`."""
    from scheduler.store import Store

    with Store.for_instance(published_copy) as store:
        yield store
