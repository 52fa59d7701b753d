"""Reading a CSV file for the import: its encoding, its rows, its header checked against a table's columns.

UTF-8 with or without the byte-order mark Japanese Excel writes, or Shift_JIS (CP932) as Excel
saves "CSV" (`ENCODINGS`). Problems with the file itself (missing, neither UTF-8 nor Shift_JIS,
not CSV, wrong header) raise `CsvError` with one line naming the file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from routing.errors import InputError
from scheduler.io.csv_tables import Spec
from scheduler.io.staff_text import did_you_mean


class CsvError(InputError):
    """The CSV file as a whole cannot be read (missing, not UTF-8, wrong header)."""


#: How a CSV file may be written, as detected: code -> words. Excel in Japan saves "CSV" as
#: Shift_JIS (Windows code page 932); "CSV UTF-8" with a byte-order mark.
ENCODINGS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Return the text of a CSV file and the encoding code it was read with (UTF-8 with or without BOM, CP932).

    A byte-order mark means UTF-8; otherwise UTF-8 is tried first (Japanese
    text in CP932 is practically never valid UTF-8), then CP932.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        order = ("utf-8-sig",)
    else:
        order = ("utf-8", "cp932")
    for encoding in order:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            last = exc
    raise CsvError.of("", "{path}: neither UTF-8 nor Shift_JIS (byte 0x{byte:02x} at offset {offset}); "
                      "save it from Excel as 'CSV UTF-8 (コンマ区切り)' or 'CSV (コンマ区切り)'",
                      path=path, byte=raw[last.start], offset=last.start)


def read_csv(path: Path, spec: Spec) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Return the header, the data rows (with spreadsheet row numbers) and the encoding of a CSV file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CsvError.of("", "{path}: no such file", path=path) from None
    except OSError as exc:
        raise CsvError.of("", "{path}: cannot read ({detail})", path=path, detail=exc.strerror or exc) from None
    text, encoding = _decode(path, raw)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CsvError.of("", "{path}: not a readable CSV file ({detail})", path=path, detail=exc) from None
    if not records or not any(c.strip() for c in records[0]):
        raise CsvError.of("", "{path}: empty file; the first row must be the header ({columns}, ...)", path=path,
                          columns=", ".join(spec.required))
    header = [unicodedata.normalize("NFKC", c).strip().lower() for c in records[0]]
    while header and not header[-1]:
        header.pop()  # trailing empty columns, as spreadsheets sometimes write
    _check_header(path, header, spec)
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2)
            if any(c.strip() for c in cells)]
    return header, rows, encoding


def _check_header(path: Path, header: list[str], spec: Spec) -> None:
    problems = []
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(InputError.of("", "column {number} has no name", number=i))
        elif name not in spec.columns:
            problems.append(InputError.of("", "unknown column {name!r}{hint}", name=name,
                                          hint=did_you_mean(name, list(spec.columns))))
    duplicates = sorted({n for n in header if n and header.count(n) > 1})
    problems += [InputError.of("", "column {name!r} appears twice", name=name) for name in duplicates]
    missing = [c for c in spec.required if c not in header]
    if spec.located and ("lat" in header) != ("lon" in header):
        missing.append("lon (lat and lon go together)" if "lat" in header else "lat (lat and lon go together)")
    if missing:
        columns = ", ".join(missing)
        problems.insert(0, InputError.of("", "missing required columns {columns}", columns=columns) if len(missing) > 1
                        else InputError.of("", "missing required column {columns}", columns=columns))
    if problems:
        raise CsvError.of("", "{path}: header: {problems}", path=path, problems=problems)


