"""Storage of the service in SQLite: the `Store` front, one generic accessor, row mappers, migrations."""

from scheduler.store.errors import NotFound, StorageError, is_busy
from scheduler.store.store import Store
from scheduler.store.text import normalize_search

__all__ = ["NotFound", "StorageError", "Store", "is_busy", "normalize_search"]
