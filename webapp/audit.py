"""The audit log from the web app: who looked at or changed which residents' data (ids only).

An audit entry must never fail nor hold up the request it belongs to (a read
above all: an offer, a search, a week board), and must never be lost:

- `record` writes the entry at once on the request's own connection, waiting
  at most `WRITE_WAIT_S` for the write lock instead of the store's busy
  timeout (10 s).
- When another connection holds the lock longer (a plan version being
  stored, a booking), the entry goes to a queue of the process
  (`AuditQueue`): a background thread writes the queued entries in batches,
  one short ``BEGIN IMMEDIATE`` transaction per database
  (`scheduler.store.Store.audit_log.add_many`), and tries again until they are in.
- Every entry keeps the time it happened (``at``), not the time it was
  written; queued entries get their row ids in the order they are written.
- At exit (``odekake serve`` stopped with Ctrl+C or SIGTERM) the queue is
  written out, waiting up to `FLUSH_AT_EXIT_S`. Entries that still cannot be
  written are appended to ``audit-pending-*.jsonl`` in the instance folder
  (ids only, like the table) and written at the app's next start
  (`init_app`). The log says how many entries waited or were kept aside,
  never what they hold.
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app, request
from flask_login import current_user

from routing.errors import InputError
from routing.instance import database_path
from scheduler.accounts import AuditEntry
from scheduler.clock import stamp_now
from scheduler.store import Store, is_busy
from webapp.db import get_store

__all__ = ["FLUSH_AT_EXIT_S", "PENDING_GLOB", "WRITE_WAIT_S", "AuditQueue", "flush", "init_app", "pending",
           "record", "record_entry"]

log = logging.getLogger(__name__)

#: Seconds a request waits for the write lock before it queues its audit entry instead.
WRITE_WAIT_S = 0.2
#: Seconds the queue's writer gathers entries before it writes a batch.
BATCH_S = 0.1
#: Pauses (seconds) between the writer's tries after a write that failed at once (not busy).
BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)
#: Seconds the queue may take to be written at exit (longer than the store's 10 s busy timeout).
FLUSH_AT_EXIT_S = 15.0
#: The files of entries kept aside at exit, in the instance folder; written at the next start.
PENDING_GLOB = "audit-pending-*.jsonl"


def _to_json(entry: AuditEntry) -> str:
    return json.dumps({"at": entry.at.isoformat(), "user": entry.user, "action": entry.action,
                       "subject": entry.subject, "subject_ids": list(entry.subject_ids), "where": entry.where,
                       "address": entry.address},
                      ensure_ascii=False)


def _from_json(line: str) -> AuditEntry:
    data = json.loads(line)
    return AuditEntry(user=data["user"], action=data["action"], subject=data["subject"],
                      subject_ids=tuple(data["subject_ids"]), where=data["where"],
                      at=dt.datetime.fromisoformat(data["at"]), address=data.get("address", ""))


class AuditQueue:
    """Audit entries waiting for the write lock, by database, and the thread that writes them.

    One per process (`_QUEUE`); the thread starts with the first entry and is
    a daemon: `close` (registered with `atexit`) writes what is left.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[Path, collections.deque[AuditEntry]] = {}
        self._in_flight: dict[Path, list[AuditEntry]] = {}
        self._thread: threading.Thread | None = None
        self._closing = False
        self._queued_total = 0

    # ------------------------------------------------------------------ callers

    def put(self, db_path: Path, entry: AuditEntry) -> None:
        """Queue an entry for the database at `db_path`; the writer thread writes it soon."""
        with self._cond:
            if not self._pending and not self._in_flight:
                log.info("audit: the database is busy; entries are queued and written when it is free")
            self._pending.setdefault(db_path, collections.deque()).append(entry)
            self._queued_total += 1
            self._start()
            self._cond.notify_all()

    def pending(self) -> int:
        """Return how many entries are not written yet (queued or being written)."""
        with self._cond:
            return self._count()

    def flush(self, timeout: float = 30.0) -> int:
        """Wait until every queued entry is written, or `timeout` seconds; return how many still wait."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()  # a writer pausing after a failure tries again now
            while self._count() and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(min(left, 0.5))
            return self._count()

    def close(self, timeout: float = FLUSH_AT_EXIT_S) -> int:
        """Write what is queued (at exit); keep what cannot be written in the instance folder; return that count."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            left: dict[Path, list[AuditEntry]] = {}
            for db_path, entries in [*self._in_flight.items(), *self._pending.items()]:
                left.setdefault(db_path, []).extend(entries)
            self._pending.clear()
            self._in_flight.clear()
        kept = 0
        for db_path, entries in left.items():
            kept += _keep_aside(db_path, entries)
        return kept

    # ------------------------------------------------------------------ the writer

    def _count(self) -> int:
        return sum(map(len, self._pending.values())) + sum(map(len, self._in_flight.values()))

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closing = False
            self._thread = threading.Thread(target=self._run, name="odekake-audit", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        failures = 0
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:
                    return
            if not self._closing:
                time.sleep(BATCH_S)  # let the entries of a busy moment gather into one write
            with self._cond:
                self._in_flight = {path: list(entries) for path, entries in self._pending.items()}
                self._pending.clear()
                batch = dict(self._in_flight)
            failed = {path: entries for path, entries in batch.items() if not _write(path, entries)}
            with self._cond:
                for path, entries in failed.items():  # back in front of what came meanwhile, in order
                    self._pending.setdefault(path, collections.deque()).extendleft(reversed(entries))
                self._in_flight = {}
                self._cond.notify_all()
                if self._closing and failed:
                    return  # one last try at exit; `close` keeps the rest aside
                if failed:
                    failures += 1
                    self._cond.wait(BACKOFF_S[min(failures, len(BACKOFF_S)) - 1])
                else:
                    failures = 0


def _write(db_path: Path, entries: list[AuditEntry]) -> bool:
    """Write entries in one transaction (waiting the store's busy timeout); return whether they are in."""
    if not db_path.exists():  # the instance folder is gone: nothing to audit into
        log.warning("audit: %d entries dropped: the database %s no longer exists", len(entries), db_path)
        return True
    try:
        with Store.open(db_path) as store:
            store.audit_log.add_many(entries)
    except (sqlite3.Error, InputError) as exc:
        if not is_busy(exc):
            log.warning("audit: %d queued entries not written yet (%s); trying again", len(entries),
                        type(exc).__name__)
        return False
    waited = (stamp_now() - min(e.at for e in entries)).total_seconds()
    log.info("audit: wrote %d queued entries (the oldest waited %.1f s)", len(entries), waited)
    return True


def _keep_aside(db_path: Path, entries: list[AuditEntry]) -> int:
    """Append entries the database would not take to a file beside it (written at the next start)."""
    if not entries:
        return 0
    stamp = stamp_now().strftime("%Y%m%d-%H%M%S")
    path = db_path.parent / f"audit-pending-{stamp}-{os.getpid()}.jsonl"
    try:
        with path.open("a", encoding="utf-8") as f:
            f.writelines(_to_json(e) + "\n" for e in entries)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        log.error("audit: %d entries LOST: the database was busy and %s could not be written (%s)",
                  len(entries), path.name, type(exc).__name__)
        return 0
    log.warning("audit: %d entries kept aside in %s; they are written at the next start", len(entries),
                path.name)
    return len(entries)


def _recover(instance: Path) -> int:
    """Write the entries kept aside at an earlier exit into the database; return how many."""
    written = 0
    for spill in sorted(instance.glob(PENDING_GLOB)):
        claimed = spill.with_name(f"{spill.name}.{os.getpid()}.claimed")
        try:
            os.replace(spill, claimed)  # one process takes each file
        except FileNotFoundError:
            continue
        try:
            entries = [_from_json(line) for line in claimed.read_text(encoding="utf-8").splitlines() if line.strip()]
            with Store.open(database_path(instance)) as store:
                written += store.audit_log.add_many(entries)
        except (sqlite3.Error, InputError, OSError, ValueError, KeyError) as exc:
            os.replace(claimed, spill)  # left for the next start
            log.warning("audit: entries kept aside in %s not written yet (%s)", spill.name, type(exc).__name__)
            continue
        claimed.unlink()
        log.info("audit: wrote %d entries kept aside in %s", len(entries), spill.name)
    return written


_QUEUE = AuditQueue()
atexit.register(_QUEUE.close)


def record_entry(entry: AuditEntry) -> None:
    """Write `entry` to the request's audit log now, or queue it when the database is busy (never raises for that)."""
    store = get_store()
    try:
        with store.waiting_at_most(WRITE_WAIT_S):
            store.audit_log.add(entry)
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            log.warning("audit: entry queued: the write failed (%s)", type(exc).__name__)
        _QUEUE.put(database_path(Path(current_app.instance_path)), entry)


def record(action: str, subject: str, ids: Iterable[int | None]) -> None:
    """Append who (the logged-in user), when, what and which ids to the audit log.

    Call it from every view that shows residents' personal data (``view``,
    ``search``) or changes a record (``change``); nothing is written when no
    id is involved. When the database is busy the entry is queued (see the
    module's docstring): the view goes on at once.

    Parameters
    ----------
    action
        ``view``, ``search`` or ``change``.
    subject
        What the ids are: ``resident``, ``request`` ...
    ids
        The records shown or changed.
    """
    kept = tuple(sorted({int(i) for i in ids if i is not None}))
    if not kept:
        return
    record_entry(AuditEntry(user=current_user.login, action=action, subject=subject, subject_ids=kept,
                            where=request.endpoint or ""))


def pending() -> int:
    """Return how many audit entries of this process are queued, not written yet."""
    return _QUEUE.pending()


def flush(timeout: float = 30.0) -> int:
    """Wait until this process's queued audit entries are written (or `timeout` s); return how many still wait."""
    return _QUEUE.flush(timeout)


def init_app(app: Flask) -> None:
    """Write the entries an earlier run kept aside (``audit-pending-*.jsonl``) into the instance's database."""
    instance = Path(app.instance_path)
    if any(instance.glob(PENDING_GLOB)):
        _recover(instance)
