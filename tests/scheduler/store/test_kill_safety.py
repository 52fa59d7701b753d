"""Kill-safe writes: a writer killed at a random moment leaves the database exactly as before or as after.

A bounded run (8 seeded kills over the four writes: CSV import, plan version,
publish, crew report); `python -m benchmarks reliability` runs hundreds and
writes the figures to docs/RELIABILITY.md. See `benchmarks.kill_harness`.
"""

from __future__ import annotations

import pytest

from benchmarks.kill_harness import OPERATIONS, run


@pytest.mark.slow
def test_killed_writes_leave_before_or_after(sample_instance, tmp_path):
    """Every killed write leaves exactly the before or the after state, and every check passes."""
    trials, refs = run(tmp_path, sample_instance, kills=8, seed=12, requests=200, scale=0.1)
    assert set(refs) == set(OPERATIONS)
    for t in trials:
        assert t.problems == [], (t.operation, t.delay_s, t.problems)
        assert t.state in ("before", "after"), (t.operation, t.delay_s, t.aimed)
    assert {t.operation for t in trials} == set(OPERATIONS)
