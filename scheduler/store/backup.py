"""Back up and restore the odekake database through SQLite's online backup API.

`backup_database` copies a live database page by page inside one read
transaction (`sqlite3.Connection.backup`): with write-ahead logging a planning
job or the web app keeps writing meanwhile, and the copy is the database as it
was when the copy began. The copy is written to a temporary file beside the
target, checked with ``PRAGMA integrity_check``, synced and only then renamed
to its name, so a backup that exists is a whole, checked database.

`restore_database` refuses a file that is not an odekake database, is damaged,
or comes from a newer odekake (with the reason); keeps the current database as
a pre-restore copy; migrates an older schema forward on a private copy; and
then writes that copy into the live database with the same backup API, which
is one write transaction on the live file: every other connection sees the
old database or the restored one, never a mix, and a process killed meanwhile
leaves the old one.

A backup holds the database only: the road graph and the caches in the
instance folder are rebuilt from the OSM extract (`odekake graph build`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from routing.errors import InputError
from scheduler.clock import stamp_now
from scheduler.store.migrations import MIGRATION_NAMES

__all__ = ["BackupError", "BackupInfo", "backup_database", "inspect_database", "restore_database",
           "rotate_backups"]

log = logging.getLogger(__name__)

_HEADER = b"SQLite format 3\x00"
#: Name of a dated copy in a backup folder (``--keep``) and of a pre-restore copy.
_DATED = re.compile(r"^odekake-(\d{8}-\d{6})(?:-\d+)?\.db$")
_CORE_TABLES = ("residents", "requests", "plans")


class BackupError(InputError):
    """A backup or restore was refused; the message says which file and why."""


@dataclass(frozen=True)
class BackupInfo:
    """What a checked database file holds: its path, schema version and row counts."""

    path: Path
    schema_version: int
    migrations: tuple[str, ...]
    rows: dict[str, int]


def _timestamp() -> str:
    return stamp_now().strftime("%Y%m%d-%H%M%S")


@contextlib.contextmanager
def _connect(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, timeout=10.0)
    try:
        yield conn
    finally:
        conn.close()


def _integrity(conn: sqlite3.Connection) -> list[str]:
    """Return SQLite's integrity problems (empty when the file is sound)."""
    found = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if found == ["ok"] else found


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_checked(source: Path, target: Path) -> None:
    """Copy `source` to `target` with the backup API, check the copy, then rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with _connect(source, readonly=True) as src, _connect(tmp) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            problems = _integrity(dst)
        if problems:
            msg = f"{source}: the copy failed SQLite's integrity check ({problems[0]}); no backup written"
            raise BackupError(msg)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)


def backup_database(database: Path, target: Path, *, keep: int | None = None) -> Path:
    """Copy the live database to `target` and check the copy; return the file written.

    Parameters
    ----------
    database
        The instance's database (``odekake.db``); it may be in use.
    target
        The backup file; with `keep`, a folder that receives a dated copy
        ``odekake-YYYYMMDD-HHMMSS.db``.
    keep
        Keep only the newest `keep` dated copies in the folder.

    Raises
    ------
    BackupError
        No database to back up, no folder to write into (it is never
        created), or the copy failed its integrity check.
    """
    if not database.is_file():
        msg = f"{database}: no database to back up (run `odekake init` first)"
        raise BackupError(msg)
    folder = target if keep is not None else target.parent
    if not folder.exists():
        # never create it: a backup meant for a USB stick or a network share that is
        # not mounted would land on the local disk under the same path
        msg = (f"{folder}: no such folder (is the backup drive connected?); "
               "create it first, e.g. `mkdir -p` it, or give another path")
        raise BackupError(msg)
    if keep is not None:
        if keep < 1:
            msg = f"--keep {keep}: keep at least one copy"
            raise BackupError(msg)
        if target.exists() and not target.is_dir():
            msg = f"{target}: with --keep the target is a folder of dated copies, not a file"
            raise BackupError(msg)
        target = _free_name(target, f"odekake-{_timestamp()}")
    elif target.is_dir():
        msg = f"{target}: is a folder; give a file name, or --keep N for dated copies in the folder"
        raise BackupError(msg)
    _copy_checked(database, target)
    log.info("backed up the database to %s", target)
    if keep is not None:
        rotate_backups(target.parent, keep=keep)
    return target


def _free_name(folder: Path, stem: str) -> Path:
    candidate, n = folder / f"{stem}.db", 1
    while candidate.exists():
        candidate, n = folder / f"{stem}-{n}.db", n + 1
    return candidate


def rotate_backups(folder: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated copies in `folder`; return the deleted files.

    Only files named like the copies `backup_database` writes are touched.
    """
    dated = sorted((p for p in folder.iterdir() if _DATED.match(p.name)),
                   key=lambda p: (_DATED.match(p.name).group(1), p.stat().st_mtime, p.name))
    removed = dated[:-keep] if len(dated) > keep else []
    for path in removed:
        path.unlink()
    return removed


def inspect_database(path: Path) -> BackupInfo:
    """Check that `path` is a sound odekake database this version can read.

    Raises
    ------
    BackupError
        Naming the file and the reason: missing, not a SQLite file, damaged
        (truncated, failed integrity check), not an odekake database, or made
        by a newer odekake (a migration this version does not know).
    """
    if not path.is_file():
        msg = f"{path}: no such file"
        raise BackupError(msg)
    with open(path, "rb") as fh:
        if fh.read(16) != _HEADER:
            msg = f"{path}: not an odekake database (not a SQLite file)"
            raise BackupError(msg)
    try:
        with _connect(path, readonly=True) as conn:
            problems = _integrity(conn)
            if problems:
                msg = f"{path}: damaged database (integrity check: {problems[0]})"
                raise BackupError(msg)
            return _odekake_info(path, conn)
    except sqlite3.DatabaseError as exc:
        msg = f"{path}: damaged database ({exc})"
        raise BackupError(msg) from None


def _odekake_info(path: Path, conn: sqlite3.Connection) -> BackupInfo:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "_sqlite_migrations" not in tables or not set(_CORE_TABLES) <= tables:
        msg = f"{path}: not an odekake database (no odekake tables)"
        raise BackupError(msg)
    names = tuple(row[0] for row in conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'odekake' ORDER BY applied_at, rowid"))
    unknown = [n for n in names if n not in MIGRATION_NAMES]
    if unknown:
        msg = (f"{path}: comes from a newer odekake (schema migration {unknown[0]} is unknown to this "
               f"version, which has {len(MIGRATION_NAMES)}); upgrade odekake before restoring it")
        raise BackupError(msg)
    rows = {t: conn.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0]
            for t in sorted(tables) if not t.startswith(("_", "sqlite_"))}
    return BackupInfo(path, len(names), names, rows)


def restore_database(database: Path, source: Path) -> tuple[BackupInfo, Path | None]:
    """Replace the instance's database with the backup `source`; return its info and the pre-restore copy.

    Steps: check `source` (`inspect_database`); copy it privately and migrate
    the copy forward; keep the current database as
    ``pre-restore-YYYYMMDD-HHMMSS.db`` beside it; write the migrated copy into
    the live database in one transaction (the backup API).
    """
    from scheduler.store.store import Store

    info = inspect_database(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=database.parent) as tmp:
        staged = Path(tmp) / "staged.db"
        _copy_checked(source, staged)
        Store.open(staged).close()  # migrates an older schema forward
        kept = None
        if database.is_file():
            kept = _free_name(database.parent, f"pre-restore-{_timestamp()}")
            _copy_checked(database, kept)
        with _connect(staged, readonly=True) as src, _connect(database) as live:
            live.execute(f"PRAGMA busy_timeout = {10_000}")
            src.backup(live)
    with Store.open(database) as store:  # WAL and settings back on the restored file
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log.info("restored the database from %s (schema %s)", source, info.schema_version)
    return info, kept
