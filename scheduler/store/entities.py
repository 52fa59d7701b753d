"""One generic accessor for an entity's table, in the shape of sqlite-utils' `Table`.

`Entities` is configured with a table, the word staff read in errors
(``"resident"``), a `Mapper` and, when the table has one, the external-id
column; it gives ``add``, ``update``, ``get``, ``by_external_id``, ``all`` and
``where`` for that entity. `transaction` is the all-or-nothing block every
write runs in; blocks nest.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Generic, TypeVar

import sqlite_utils
from sqlite_utils.db import quote_identifier

from routing.errors import InputError
from scheduler.store.errors import NotFound, StorageError
from scheduler.store.mappers import Mapper

T = TypeVar("T")

log = logging.getLogger(__name__)


#: A write transaction holding the lock longer than this (seconds) is logged (INFO: ``odekake -v``) with
#: where it began: every other writer waits for it (docs/RELIABILITY.md, "Under load").
LONG_WRITE_S = 1.0

_HERE = (str(Path(__file__).parent), contextlib.__file__)


def _caller() -> str:
    """Return ``path:function`` of the first frame outside the store (who opened the transaction)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back
    if frame is None:
        return "?"
    path = Path(frame.f_code.co_filename)
    return f"{path.parent.name}/{path.name}:{frame.f_code.co_name}"


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Run the block all-or-nothing.

    The outermost block takes the write lock at once (``BEGIN IMMEDIATE``),
    so two processes saving plan versions cannot pick the same number.
    A nested block joins the outer transaction as a savepoint: nothing is
    committed before the outermost block ends, and an exception that
    leaves the outer block rolls everything back. An outermost block that
    holds the lock longer than `LONG_WRITE_S` is logged (seconds and the
    function that opened it; no data).
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    locked = time.monotonic()
    try:
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        held = time.monotonic() - locked
        if held > LONG_WRITE_S:
            log.info("write lock held %.1f s by %s", held, _caller())


@dataclasses.dataclass(frozen=True)
class Entities(Generic[T]):
    """The rows of one table as objects of one dataclass.

    ``add`` and ``update`` are for tables keyed by an integer ``id`` (the
    object's ``id`` attribute); a table keyed otherwise (the service
    catalogue, by ``code``) is written with ``upsert``.

    Parameters
    ----------
    db
        The open, migrated database.
    table
        Table name.
    what
        The entity in words for messages: ``"resident"`` gives
        ``"resident 7 not found"``.
    mapper
        Object ↔ row.
    external_id
        Column (and attribute) holding the entity's id in another system, kept
        unique; None when the entity has none.
    key
        Primary-key column for ``get``, ``exists`` and ``upsert``.
    order_by
        SQL order of ``all`` and ``where``.
    check
        Called with the object inside the write's transaction, before ``add``
        and ``update`` write it; raises to refuse it (a missing referenced row).
    """

    db: sqlite_utils.Database
    table: str
    what: str
    mapper: Mapper[T]
    _: dataclasses.KW_ONLY
    external_id: str | None = None
    key: str = "id"
    order_by: str = "id"
    check: Callable[[T], None] | None = None

    # ------------------------------------------------------------------ reading

    def get(self, id_: object) -> T:
        """Return the object with this key; `NotFound` (``"<what> <id> not found"``) if none."""
        return self.mapper.from_row(self._row(id_))

    def by_external_id(self, external_id: str) -> T | None:
        """Return the object with this external id, or None."""
        row = self._row_by_external(external_id)
        return None if row is None else self.mapper.from_row(row)

    def external_ids(self) -> dict[object, str | None]:
        """Return every row's external id by key (one query; None where the row has none)."""
        if self.external_id is None:
            msg = f"{self.table} have no external id"
            raise TypeError(msg)
        sql = (f"SELECT {quote_identifier(self.key)}, {quote_identifier(self.external_id)} "
               f"FROM {quote_identifier(self.table)}")
        return {key: external for key, external in self.db.execute(sql).fetchall()}

    def all(self) -> list[T]:
        """Return every object, in the table's order."""
        return self.where()

    def where(self, where: str | None = None, args: Sequence | Mapping = (), *,
              order_by: str | None = None, limit: int | None = None) -> list[T]:
        """Return the objects whose rows match a SQL condition.

        Parameters
        ----------
        where
            SQL condition (``"kind = ?"``), or None for every row.
        args
            Its parameters: a sequence for ``?``, a mapping for ``:name``.
        order_by
            SQL order; the table's order when None.
        limit
            Most objects returned.
        """
        sql = f"SELECT * FROM {quote_identifier(self.table)}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order_by or self.order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self.mapper.from_row(row) for row in self.db.query(sql, args)]

    def exists(self, id_: object) -> bool:
        """Return whether a row has this key (False for None)."""
        if id_ is None:
            return False
        sql = f"SELECT 1 FROM {quote_identifier(self.table)} WHERE {quote_identifier(self.key)} = ?"
        return self.db.execute(sql, [id_]).fetchone() is not None

    def require(self, id_: object, *, field: str) -> None:
        """Refuse a reference to a missing row: `NotFound` ``"<field>: <what> <id> not found"``."""
        if not self.exists(id_):
            raise NotFound.of(field, "{what} {id!r} not found", what=self.what, id=id_)

    # ------------------------------------------------------------------ writing

    def add(self, obj: T) -> T:
        """Store a new object and return a copy with its new id; `obj` is left untouched."""
        new = copy.deepcopy(obj)
        with transaction(self.db):
            self._check(new, own_id=None)
            new.id = self.db[self.table].insert(self.mapper.to_row(new)).last_pk
        return new

    def update(self, obj: T) -> T:
        """Overwrite the stored row ``obj.id`` with `obj` and return it as stored."""
        with transaction(self.db):
            self._check(obj, own_id=obj.id)
            if obj.id is None:
                raise InputError.of("", "{what}: has no id; add it before updating", what=self.what)
            self.set(obj.id, self.mapper.to_row(obj))
        return self.get(obj.id)

    def upsert(self, obj: T) -> T:
        """Add `obj`, or overwrite the row with the same key; return a copy."""
        with transaction(self.db):
            self.db[self.table].upsert(self.mapper.to_row(obj), pk=self.key)
        return copy.deepcopy(obj)

    def set(self, id_: object, columns: Mapping[str, object]) -> None:
        """Overwrite some columns of the row with this key; `NotFound` if there is none."""
        assignments = ", ".join(f"{quote_identifier(name)} = ?" for name in columns)
        sql = (f"UPDATE {quote_identifier(self.table)} SET {assignments} "
               f"WHERE {quote_identifier(self.key)} = ?")
        if self.db.execute(sql, [*columns.values(), id_]).rowcount == 0:
            self._not_found(id_)

    def delete(self, id_: object) -> None:
        """Delete the row with this key; `NotFound` if there is none."""
        sql = f"DELETE FROM {quote_identifier(self.table)} WHERE {quote_identifier(self.key)} = ?"
        with transaction(self.db):
            if self.db.execute(sql, [id_]).rowcount == 0:
                self._not_found(id_)

    # ------------------------------------------------------------------ helpers

    def _row(self, id_: object) -> dict:
        sql = f"SELECT * FROM {quote_identifier(self.table)} WHERE {quote_identifier(self.key)} = ?"
        rows = list(self.db.query(sql, [id_]))
        if not rows:
            self._not_found(id_)
        return rows[0]

    def _not_found(self, id_: object) -> None:
        raise NotFound.of("", "{what} {id!r} not found", what=self.what, id=id_)

    def _row_by_external(self, external_id: str) -> dict | None:
        if self.external_id is None:
            msg = f"{self.table} have no external id"
            raise TypeError(msg)
        sql = f"SELECT * FROM {quote_identifier(self.table)} WHERE {quote_identifier(self.external_id)} = ?"
        rows = list(self.db.query(sql, [external_id]))
        return rows[0] if rows else None

    def _check(self, obj: T, *, own_id: object) -> None:
        # The entity's own rule first (its references), then the unique external id.
        if self.check is not None:
            self.check(obj)
        if self.external_id is None or getattr(obj, self.external_id) is None:
            return
        value = getattr(obj, self.external_id)
        row = self._row_by_external(value)
        if row is not None and row[self.key] != own_id:
            raise StorageError.of(self.external_id, "{value!r} is already used by {what} {id}", value=value,
                                  what=self.what, id=row[self.key])
