"""Tests of `odekake backup` / `restore`: a consistent copy of a live database, refusals, rotation, migration."""

from __future__ import annotations

import copy
import sqlite3
import threading

import pytest
import sqlite_utils
from click.testing import CliRunner

from benchmarks.kill_harness import snapshot
from scheduler.store import Store
from scheduler.store.backup import (
    BackupError,
    backup_database,
    inspect_database,
    restore_database,
)
from scheduler.store.check import check_database
from scheduler.store.migrations import MIGRATION_NAMES, migrate
from webapp.cli import cli

from .conftest import WEEK


def _odekake(instance, *args):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args])


def test_backup_of_a_live_instance_restores_with_every_row_equal(safety_instance, tmp_path):
    """A backup taken while another connection stores plan versions restores to exactly the backup's rows.

    The writer stores 15 plan versions, each in one transaction; the copy holds
    the database as it was at one moment: the rows of the other tables equal,
    a prefix of the new versions, each complete (the checks pass).
    """
    db_path = safety_instance / "odekake.db"
    before = snapshot(db_path)
    with Store.open(db_path) as store:
        plan = store.plans.get(WEEK)
    started, done = threading.Event(), threading.Event()

    def write_versions() -> None:
        with Store.open(db_path) as writer:
            for _ in range(15):
                writer.plans.save(copy.deepcopy(plan))
                started.set()
        done.set()

    thread = threading.Thread(target=write_versions)
    thread.start()
    started.wait(timeout=60)
    backup = backup_database(db_path, tmp_path / "live.db")
    thread.join()
    assert done.is_set()

    target = tmp_path / "restored"
    result = _odekake(target, "restore", str(backup))
    assert result.exit_code == 0, result.output
    restored, copied, final = snapshot(target / "odekake.db"), snapshot(backup), snapshot(db_path)
    assert restored == copied
    for table in restored:
        if table in ("plans", "plan_stops"):
            assert set(restored[table]) <= set(final[table]), table
            assert set(before[table]) <= set(restored[table]), table
        else:
            assert restored[table] == final[table], table
    with Store.open(target / "odekake.db") as store:
        assert check_database(store.db) == []
        versions = [p.version for p in store.plans.versions(WEEK)]
    assert sorted(versions) == list(range(1, len(versions) + 1))


def test_backup_command_checks_and_rotates(safety_instance, tmp_path):
    """`backup --keep 2` writes dated copies into a folder and keeps the newest two; each copy is sound."""
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20250101-000000", "20250102-000000"):
        (folder / f"odekake-{stamp}.db").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    result = _odekake(safety_instance, "backup", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    assert "checked" in result.output
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and "notes.txt" in names and "odekake-20250101-000000.db" not in names
    newest = folder / names[-2] if names[-1] == "notes.txt" else folder / names[-1]
    assert inspect_database(newest).rows["residents"] > 0


def _refused(instance, path, words):
    result = _odekake(instance, "restore", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and words in result.output, result.output


def test_restore_refuses_text_truncated_and_newer_files(safety_instance, tmp_path):
    """A text file, a truncated database and one from a newer schema are refused with the reason; nothing changes."""
    before = snapshot(safety_instance / "odekake.db")
    text = tmp_path / "notes.db"
    text.write_text("residents,requests\n", encoding="utf-8")
    _refused(safety_instance, text, "not a SQLite file")

    whole = backup_database(safety_instance / "odekake.db", tmp_path / "whole.db")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    _refused(safety_instance, truncated, "damaged database")

    newer = tmp_path / "newer.db"
    newer.write_bytes(whole.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('odekake', '9999_from_the_future', '2099-01-01')")
    conn.close()
    _refused(safety_instance, newer, "comes from a newer odekake")

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    _refused(safety_instance, other, "not an odekake database")
    assert snapshot(safety_instance / "odekake.db") == before
    assert not list(safety_instance.glob("pre-restore-*"))


def test_restore_keeps_the_current_database_and_migrates_an_older_one(safety_instance, tmp_path):
    """Restoring an older-schema backup migrates it; the replaced database is kept as a pre-restore copy."""
    old = tmp_path / "old.db"
    db = sqlite_utils.Database(old)
    migrate(db, stop_before=MIGRATION_NAMES[-1])
    db.execute("INSERT INTO residents (name, lat, lon) VALUES ('旧 住民', 37.1, 140.7)")
    db.close()
    before = snapshot(safety_instance / "odekake.db")
    info, kept = restore_database(safety_instance / "odekake.db", old)
    assert info.schema_version == len(MIGRATION_NAMES) - 1
    assert snapshot(kept) == before
    with Store.open(safety_instance / "odekake.db") as store:
        assert [r.name for r in store.residents.all()] == ["旧 住民"]
        assert store.db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == len(MIGRATION_NAMES)


def test_backup_refuses_a_missing_database(tmp_path):
    """No database: one line naming the file."""
    with pytest.raises(BackupError, match="no database to back up"):
        backup_database(tmp_path / "odekake.db", tmp_path / "copy.db")


@pytest.mark.parametrize("keep", [None, 3])
def test_backup_never_creates_the_folder_it_writes_into(safety_instance, tmp_path, keep):
    """A missing folder (a backup drive not connected) is refused with its name, and nothing is created."""
    missing = tmp_path / "usb" / "backups"
    target = missing if keep is not None else missing / "odekake.db"
    with pytest.raises(BackupError, match=r"usb/backups: no such folder"):
        backup_database(safety_instance / "odekake.db", target, keep=keep)
    assert not (tmp_path / "usb").exists()
    args = ["backup", str(target)] + (["--keep", str(keep)] if keep is not None else [])
    result = _odekake(safety_instance, *args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "no such folder" in result.output, result.output
    assert not (tmp_path / "usb").exists()
