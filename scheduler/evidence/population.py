"""The population per district (e.g. residents aged 65+ per 町丁・字 from the census), imported from CSV.

Columns ``district`` and ``population`` (a whole number), optional ``label`` (what is counted,
e.g. 65歳以上). Read as the other imports read (`scheduler.io.csv_file`: UTF-8 with or without a
byte-order mark, or Shift_JIS as Excel saves it). A file with bad rows imports nothing and lists
every bad row; a good file replaces the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from routing.errors import InputError
from scheduler.domain.checks import _CONTROL, TEXT_LIMITS
from scheduler.io.csv_file import read_csv

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["MAX_POPULATION", "import_population"]

#: The largest population of one district.
MAX_POPULATION = 10_000_000


@dataclass(frozen=True)
class _Spec:
    """The columns of the file, as `read_csv` checks a header."""

    required: tuple[str, ...] = ("district", "population")
    optional: tuple[str, ...] = ("label",)
    located: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _parse(number: int, cells: dict[str, str], seen: set[str]) -> tuple[str, int, str] | InputError:
    district, text = cells.get("district", "").strip(), cells.get("population", "").strip().replace(",", "")
    if not district:
        return InputError.of("district", "row {row}: no district", row=number)
    for name, value in (("district", district), ("label", cells.get("label", "").strip())):
        if _CONTROL.search(value):  # a NUL or a byte no encoding reads (e.g. \x00 of UTF-16) breaks exports
            return InputError.of(name, "row {row}: {value!r} holds a control character; remove it", row=number,
                                 value=value[:40])
        if len(value) > TEXT_LIMITS["district"]:
            return InputError.of(name, "row {row}: {count} characters; at most {limit}", row=number,
                                 count=len(value), limit=TEXT_LIMITS["district"])
    if district in seen:
        return InputError.of("district", "row {row}: district {value!r} appears twice", row=number, value=district)
    seen.add(district)
    if not text.isdecimal() or int(text) > MAX_POPULATION:  # isdigit() is true of ² too, which int() refuses
        return InputError.of("population", "row {row}: {value!r} is not a whole number from 0 to {limit}",
                             row=number, value=text, limit=MAX_POPULATION)
    return district, int(text), cells.get("label", "").strip()


def import_population(store: Store, path: str | Path) -> int:
    """Replace the population table with the file's rows and return how many; bad rows: `InputError`, nothing stored."""
    header, rows, _ = read_csv(Path(path), _Spec())
    seen: set[str] = set()
    parsed = [_parse(number, dict(zip(header, cells, strict=False)), seen) for number, cells in rows]
    problems = [p for p in parsed if isinstance(p, InputError)]
    if problems:
        raise InputError.of("file", "{count} bad rows, nothing imported: {problems}", count=len(problems),
                            problems=problems)
    with store.transaction():
        store.db.execute("DELETE FROM district_population")
        for district, population, label in parsed:
            store.db.execute("INSERT INTO district_population (district, population, label) VALUES (?, ?, ?)",
                             [district, population, label])
    return len(parsed)
