"""Tests of routing.files: the one atomic file write every layer uses."""

from __future__ import annotations

import os
import stat

import pytest

from routing import files
from routing.files import write_atomic


def test_replaces_the_file_and_creates_folders(tmp_path):
    """Text is written as UTF-8 into new folders; a second write replaces the first; no temp file stays."""
    target = tmp_path / "a" / "b" / "plan.csv"
    assert write_atomic(target, "住民,9:00\n") == target
    assert target.read_bytes() == "住民,9:00\n".encode()
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["plan.csv"]


def test_mode(tmp_path):
    """Without `mode` the file is private to its owner; `mode` sets the permission bits."""
    private, shared = tmp_path / "private.txt", tmp_path / "shared.txt"
    write_atomic(private, "x")
    write_atomic(shared, "x", mode=0o644)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644


def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    """When the data cannot be flushed to disk, the old content stays and the temporary file is removed."""
    target = tmp_path / "matrix.npz"
    target.write_bytes(b"old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["matrix.npz"]


def test_failed_rename_leaves_no_temp_file(tmp_path):
    """A target that is a folder cannot be replaced: the error is raised and the temporary file removed."""
    target = tmp_path / "out"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        write_atomic(target, "text")
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(target) == ["inside"]
