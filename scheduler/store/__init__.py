"""Storage of the service in SQLite: the `Store` front, row mappers and numbered migrations."""

from scheduler.store.store import NotFound, StorageError, Store, normalize_search

__all__ = ["NotFound", "StorageError", "Store", "normalize_search"]
