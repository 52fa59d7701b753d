"""Import residents, sites, vehicles and requests from CSV files (see docs/CSV_FORMATS.md).

`import_csv` reads a UTF-8 file (with or without the byte-order mark that
Japanese Excel writes) with a header row, checks every row and writes them in
one transaction. Rows are keyed by their ``external_id``: a row whose id is
already stored updates that record, so importing the same file twice creates
no duplicates.

A file with bad rows imports nothing and the report lists **every** bad row
(row numbers as a spreadsheet shows them: the header is row 1), unless
``skip_bad`` is given: then the good rows are imported and the bad ones are
listed as skipped. Problems with the file itself (missing, not UTF-8, wrong
header) raise `CsvError` with one line naming the file.

The file is read by `scheduler.io.csv_file`, each row checked and built by
`scheduler.io.csv_tables` from cells read with `scheduler.io.staff_text`.

Row checks never log cell values: they may be personal data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from routing.addresses import AddressIndex
from routing.errors import InputError
from scheduler.domain import DomainError, Resident, Site
from scheduler.io.csv_file import ENCODINGS, CsvError, read_csv
from scheduler.io.csv_tables import SPECS, TABLES, Row, RowError, Spec, domain_column
from scheduler.io.staff_text import nfkc, parse_date
from scheduler.store import Store

__all__ = ["ENCODINGS", "TABLES", "CsvError", "ImportReport", "PointChecker", "RowError", "import_csv"]


@dataclass
class ImportReport:
    """What an import did: counts of rows inserted, updated, unchanged, skipped, and the errors."""

    table: str
    path: str
    skip_bad: bool = False
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    placed: int = 0  # rows placed from their address (included in the counts above)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"  # how the file was read: a code of ENCODINGS

    @property
    def bad_rows(self) -> list[int]:
        """Return the numbers of the rows with errors, in order."""
        return sorted({e.row for e in self.errors})

    @property
    def failed(self) -> bool:
        """Return True when the file had bad rows and therefore nothing was imported."""
        return bool(self.errors) and not self.skip_bad

    def format(self) -> str:
        """Return the report as lines for the command line."""
        name = Path(self.path).name
        if self.failed:
            head = (f"{name}: {len(self.bad_rows)} bad row(s); nothing imported "
                    "(fix them, or use --skip-bad to import the other rows)")
        else:
            head = (f"{name}: {self.inserted} inserted, {self.updated} updated, "
                    f"{self.unchanged} unchanged, {self.skipped} skipped into {self.table}")
            if self.placed:
                head += f" ({self.placed} placed from their address)"
        head += f"; read as {ENCODINGS[self.encoding]}"
        return "\n".join([head, *(f"  {e}" for e in self.errors)])


# --------------------------------------------------------------------------- the import


class _RowFailed(Exception):
    """Raised inside a row's savepoint to undo that row."""


class _Abort(Exception):
    """Raised to roll back the whole import."""


class PointChecker(Protocol):
    """What the import needs of a road network to check positions (`routing.network.RoadNetwork`)."""

    snap_limit_m: float

    def off_road(self, points: Sequence[tuple[str, float, float]]) -> dict[str, float]:  # pragma: no cover
        """Return ``{id: metres to the nearest road}`` of the points too far to snap."""


@dataclass
class _Context:
    """What every row of one import shares: the store, the file's keys so far, the checks asked for."""

    store: Store
    spec: Spec
    header: list[str]
    user: str
    report: ImportReport
    network: PointChecker | None = None
    addresses: AddressIndex | None = None
    seen: dict[tuple[str, ...], int] = field(default_factory=dict)


def import_csv(store: Store, table: str, path: str | Path, *, skip_bad: bool = False, user: str,
               network: PointChecker | None = None, addresses: AddressIndex | None = None) -> ImportReport:
    """Import one CSV file into a table of the store, all rows in one transaction.

    Parameters
    ----------
    store
        The open store.
    table
        ``residents``, ``sites``, ``vehicles``, ``requests`` or
        ``session_bookings`` (import them in that order).
    path
        The CSV file (UTF-8 with or without BOM, or Shift_JIS as Excel saves "CSV";
        header row; docs/CSV_FORMATS.md).
    skip_bad
        Import the good rows even when some rows are bad (those are reported as skipped).
    user
        Who imports (recorded in request events).
    network
        The instance's road network, when it has one: every resident and site
        is refused when it lies farther from any road than the snap limit.
    addresses
        Where residents and sites with an address but no ``lat``/``lon`` are
        placed; without it such a row is refused.

    Returns
    -------
    ImportReport
        Counts and every row error; ``report.failed`` is True when bad rows
        stopped the import and nothing was written.

    Raises
    ------
    CsvError
        The file is missing, neither UTF-8 nor Shift_JIS, or its header is wrong.
    """
    if table not in SPECS:
        raise CsvError.of("table", "unknown table {text!r}; use one of {known}", text=table, known=", ".join(TABLES))
    spec = SPECS[table]
    path = Path(path)
    header, records, encoding = read_csv(path, spec)
    report = ImportReport(table=table, path=str(path), skip_bad=skip_bad, encoding=encoding)
    ctx = _Context(store, spec, header, user, report, network=network, addresses=addresses)
    try:
        with store.transaction():
            for number, cells in records:
                outcome = _import_row(ctx, number, cells)
                if outcome is None:
                    report.skipped += 1
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
            if report.failed:
                raise _Abort
    except _Abort:
        report.inserted = report.updated = report.unchanged = report.skipped = report.placed = 0
    return report


def _check_key(ctx: _Context, row: Row) -> None:
    """Refuse a row whose key (``external_id``, or a booking's session, resident and day) is already in the file."""
    if ctx.spec.key == ("external_id",):
        external_id = row.get("external_id", required=True)
        key = None if external_id is None else (external_id,)
    else:
        key = tuple(nfkc(row.cells.get(c, "")) for c in ctx.spec.key)
        with contextlib.suppress(ValueError):  # the same day written two ways is still the same day
            key = (*key[:-1], parse_date(key[-1]).isoformat()) if ctx.spec.key[-1] == "day" else key
    if key is None or not all(key):
        return
    if key in ctx.seen:
        if len(key) == 1:
            row.error(ctx.spec.key[0], "{text!r} is already on row {row}", text=key[0], row=ctx.seen[key])
        else:
            row.error(ctx.spec.key[0], "the same {columns} are already on row {row}", columns=", ".join(ctx.spec.key),
                      row=ctx.seen[key])
    else:
        ctx.seen[key] = row.number


def _import_row(ctx: _Context, number: int, cells: list[str]) -> str | None:
    """Check and write one row inside its own savepoint; return the outcome or None when bad."""
    spec, store = ctx.spec, ctx.store
    row = Row(number, dict(zip(ctx.header, cells, strict=False)))
    if len(cells) > len(ctx.header) and any(c.strip() for c in cells[len(ctx.header):]):
        row.error("", "has {cells} cells but the header has {columns} columns", cells=len(cells),
                  columns=len(ctx.header))
    _check_key(ctx, row)
    if spec.located and not row.errors:
        _place_by_address(ctx, row)
    outcome = None
    try:
        with store.transaction():
            obj = spec.build(store, row) if not row.errors else None
            if obj is not None and spec.located:
                _check_on_road(ctx, row, obj)
            if obj is not None and not row.errors:
                try:
                    existing = spec.lookup(store, obj)
                    if existing is None:
                        spec.add(store, obj, ctx.user)
                        outcome = "inserted"
                    else:
                        changed = spec.update(store, obj, existing, ctx.user) is not None
                        outcome = "updated" if changed else "unchanged"
                except InputError as exc:  # DomainError included
                    row.error(*domain_column(exc, spec.domain_columns))
            if row.errors:
                raise _RowFailed
    except _RowFailed:
        outcome = None
    except DomainError as exc:  # raised while building the dataclass
        row.error(*domain_column(exc, spec.domain_columns))
        outcome = None
    ctx.report.errors.extend(row.errors)
    return outcome


def _place_by_address(ctx: _Context, row: Row) -> None:
    """Fill an empty ``lat``/``lon`` from the address data, or refuse the row saying why.

    The address itself is never repeated in the message: it is personal data.
    """
    if row.filled("lat") or row.filled("lon") or not row.filled("address"):
        return
    if ctx.addresses is None:
        row.error("lat", "empty, and no address data to place the row from its address: give lat and lon, "
                  "or import with --addresses FILE.osm")
        return
    try:
        match = ctx.addresses.find(row.cells["address"])
    except InputError as exc:
        row.error("address", exc)
        return
    if match is None:
        row.error("address", "not found in the address data ({file}); give lat and lon "
                  "(placing on the map comes with the operator screens)", file=ctx.addresses.path.name)
        return
    row.cells["lat"], row.cells["lon"] = f"{match.lat:.7f}", f"{match.lon:.7f}"
    ctx.report.placed += 1


def _check_on_road(ctx: _Context, row: Row, obj: Resident | Site) -> None:
    """Refuse a position farther from any road than the snap limit (planning could not reach it)."""
    if ctx.network is None:
        return
    far = ctx.network.off_road([(obj.external_id or "", obj.lat, obj.lon)])
    if far:
        distance = next(iter(far.values()))
        row.error("lat/lon", "point ({lat:.6f}, {lon:.6f}) is {distance:.0f} m from the nearest road "
                  "(limit {limit:.0f} m)", lat=obj.lat, lon=obj.lon, distance=distance, limit=ctx.network.snap_limit_m)
