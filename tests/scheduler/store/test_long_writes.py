"""A write transaction that holds the lock long is logged with the function that opened it (no data)."""

from __future__ import annotations

import logging
import time

from scheduler.store import Store, entities


def _slow_write(store: Store) -> None:
    with store.transaction():
        time.sleep(0.02)


def test_a_long_write_is_logged_with_who_opened_it(monkeypatch, caplog):
    monkeypatch.setattr(entities, "LONG_WRITE_S", 0.01)
    with Store.open() as store, caplog.at_level(logging.INFO, logger="scheduler.store.entities"):
        _slow_write(store)
        with store.transaction():  # short: not logged
            pass
    lines = [r.getMessage() for r in caplog.records if "write lock held" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].endswith("by store/test_long_writes.py:_slow_write")
