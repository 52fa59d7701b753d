"""Shared fixtures of the booking tests."""

from __future__ import annotations

import pytest

from scheduler.store import Store


@pytest.fixture
def store(tmp_path):
    """An empty database of its own for each test."""
    with Store.open(tmp_path / "odekake.db") as s:
        yield s
