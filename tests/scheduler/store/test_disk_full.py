"""A full disk or a read-only instance folder: one clear line, a non-zero exit, nothing half-written.

The instance lives on a small tmpfs mounted for the test (needs root and a
kernel that allows it; skipped otherwise). The database is filled to the
brim first, then a CSV import that needs more room must fail whole.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.kill_harness import snapshot

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs folder, unmounted afterwards."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=False, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _odekake(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "webapp.cli", "--instance", str(instance), *args],
                          check=False, capture_output=True, text=True, env=env)


def _residents_csv(path: Path, n: int, prefix: str) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["external_id", "name", "kana", "phone", "address", "lat", "lon", "notes"])
        for i in range(n):
            out.writerow([f"{prefix}{i:06d}", f"試験 {i}", "シケン", "0246-00-0000", "架空市", 37.1, 140.7, "x" * 400])
    return path


def test_a_full_disk_fails_whole_with_one_line(small_disk, tmp_path):
    """An import that does not fit: exit non-zero, one `error:` line naming the full disk, rows as before."""
    instance = small_disk / "instance"
    assert _odekake(instance, "init").returncode == 0
    big = _residents_csv(tmp_path / "big.csv", 6000, "B")
    result = _odekake(instance, "import", "residents", str(big))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "full" in lines[0], result.stderr
    assert snapshot(instance / "odekake.db")["residents"] == []
    assert _odekake(instance, "check").returncode == 0


def test_a_read_only_folder_fails_with_one_line(small_disk, tmp_path):
    """The instance folder's filesystem turned read-only: one `error:` line, rows as before."""
    instance = small_disk / "instance"
    assert _odekake(instance, "init").returncode == 0
    before = snapshot(instance / "odekake.db")
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=False, capture_output=True)
    if remount.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only here")
    try:
        result = _odekake(instance, "import", "residents", str(_residents_csv(tmp_path / "a.csv", 3, "A")))
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert snapshot(instance / "odekake.db") == before
