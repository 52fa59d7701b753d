"""Errors of the store, built on `routing.errors.InputError`; messages name the row or field."""

from __future__ import annotations

import sqlite3

from routing.errors import InputError


class NotFound(InputError):
    """No row with the given id (or external id); the message names it."""


class StorageError(InputError):
    """A write was refused (duplicate key, missing reference); the message says which."""


def is_busy(exc: BaseException) -> bool:
    """Return whether `exc` is SQLite's "database is locked": another connection held the write lock too long.

    Such a write changed nothing and may simply be tried again; the web app
    answers it 503 (busy, try again), never 500.
    """
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return any(words in str(exc) for words in ("database is locked", "database is busy",
                                               "database table is locked"))
