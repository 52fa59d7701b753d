"""Addresses read from an OSM file, for placing residents who come with an address but no position.

OSM maps Japanese addresses with ``addr:*`` tags on nodes and on building
ways: ``addr:province`` (都道府県), ``addr:county`` (郡), ``addr:city``
(市町村), ``addr:suburb`` (区), ``addr:quarter`` (町・大字), ``addr:neighbourhood``
(丁目), ``addr:block_number`` (番) and ``addr:housenumber`` (号), or one
``addr:full``. A drive-network extract usually has none of them: give a
fuller extract (or a small file the city exports from its own data) as the
address source.

Matching is offline and exact after normalisation (`normalise_address`):
full-width to half-width (NFKC), spaces dropped, kanji numerals before
丁目/番/号 turned into digits, and 丁目/番地/番/号/の written as hyphens, so
``水前寺六丁目18番1号`` and ``水前寺6-18-1`` are the same key. An address
given without its prefecture or city still matches when exactly one OSM
address ends with it (and the other way round). Nothing here calls a
geocoding service.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from routing.errors import InputError

__all__ = ["AddressIndex", "AddressMatch", "normalise_address"]

#: Place-name tags, largest area first; their values are written one after another.
_PLACE_TAGS = ("addr:province", "addr:county", "addr:city", "addr:suburb", "addr:quarter",
               "addr:neighbourhood")
#: Number tags (番, 号), joined with hyphens after the place name.
_NUMBER_TAGS = ("addr:block_number", "addr:housenumber")

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千]+(?=丁目|番地|番|号|の|-)"
                           r"|(?<=[\d\-の])[〇零一二三四五六七八九十百千]+$")
_HYPHENS = re.compile(r"[‐‑‒–—―−－]")


def _kanji_to_int(text: str) -> int:
    """Return the value of a kanji numeral: ``二十三`` -> 23, ``一〇五`` -> 105."""
    if all(c in _KANJI_DIGITS for c in text):  # digit by digit, as in 一〇五
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
    return total + digit


def normalise_address(text: str) -> str:
    """Return the matching key of a Japanese address.

    ``'熊本市中央区水前寺六丁目18番1号'`` and ``'熊本市 中央区 水前寺6-18-1'``
    both give ``'熊本市中央区水前寺6-18-1'``.
    """
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s).replace("ヶ", "ケ").replace("大字", "")
    # a long-vowel mark after a digit is a hyphen typed in kana mode (6ー18)
    s = re.sub(r"(?<=\d)ー(?=\d)", "-", s)
    s = _HYPHENS.sub("-", s)
    s = _KANJI_NUMBER.sub(lambda m: str(_kanji_to_int(m.group(0))), s)
    s = re.sub(r"(?<=\d)(丁目|番地|番|号)", "-", s)
    s = re.sub(r"(?<=[\d-])の(?=\d)", "-", s)
    s = re.sub(r"(?<=\D)-", "", s)  # no hyphen between a place name and its numbers
    s = re.sub(r"-+", "-", s)
    return s.strip("-")


@dataclass(frozen=True)
class AddressMatch:
    """Where an address was found: its position and the OSM object it came from."""

    lat: float
    lon: float
    osm: str  # e.g. "node/123" or "way/45"


def _key_of(tags: dict[str, str]) -> str | None:
    """Return the normalised address of an OSM object's tags, or None when it has none."""
    if tags.get("addr:full"):
        return normalise_address(tags["addr:full"])
    numbers = [tags[t] for t in _NUMBER_TAGS if tags.get(t)]
    if not numbers:
        return None
    place = "".join(tags[t] for t in _PLACE_TAGS if tags.get(t))
    return normalise_address(place + "-" + "-".join(numbers)) or None


@dataclass
class AddressIndex:
    """The addresses of one OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``), read on first use.

    Parameters
    ----------
    path
        The OSM file.
    """

    path: Path
    _entries: dict[str, list[AddressMatch]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def entries(self) -> dict[str, list[AddressMatch]]:
        """Normalised address -> where it is (several when OSM has it more than once)."""
        if self._entries is None:
            self._entries = _read_addresses(self.path)
        return self._entries

    def find(self, address: str) -> AddressMatch | None:
        """Return where `address` is, or None when the file has no such address.

        Raises
        ------
        InputError
            When the address is ambiguous: several places in the file fit it.
        """
        key = normalise_address(address)
        if not key:
            return None
        found = self.entries.get(key)
        if found is None:
            found = [m for other, matches in self.entries.items() if _same_tail(key, other) for m in matches]
        places = {(round(m.lat, 5), round(m.lon, 5)) for m in found}
        if len(places) > 1:
            msg = f"the address fits {len(places)} different places in {self.path.name}; write it in full"
            raise InputError(msg)
        return found[0] if found else None


def _same_tail(a: str, b: str) -> bool:
    """Return whether the shorter key ends the longer one at a place-name boundary.

    ``山里町上沢1-2`` ends ``架空市山里町上沢1-2``, but ``1-2`` alone ends
    nothing: a key must keep a place name, and a number is never cut in two.
    """
    short, long_ = sorted((a, b), key=len)
    if short == long_ or not long_.endswith(short) or not re.search(r"\D", short.replace("-", "")):
        return False
    before = long_[len(long_) - len(short) - 1]
    return not (before.isdigit() and short[0].isdigit())


def _read_addresses(path: Path) -> dict[str, list[AddressMatch]]:
    """Read every node and way with an address from an OSM file (ways at the mean of their nodes)."""
    import osmium

    if not path.is_file():
        msg = f"{path}: no such address file"
        raise InputError(msg)
    entries: dict[str, list[AddressMatch]] = {}
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations():
            if obj.is_relation():
                continue
            tags = {t.k: t.v for t in obj.tags if t.k.startswith("addr:")}
            key = _key_of(tags) if tags else None
            if key is None:
                continue
            if obj.is_node():
                lat, lon, osm = obj.location.lat, obj.location.lon, f"node/{obj.id}"
            else:
                points = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
                if len(points) > 1 and points[0] == points[-1]:
                    points.pop()  # a closed way (a building) repeats its first node
                if not points:
                    continue
                lat = sum(p[0] for p in points) / len(points)
                lon = sum(p[1] for p in points) / len(points)
                osm = f"way/{obj.id}"
            entries.setdefault(key, []).append(AddressMatch(lat, lon, osm))
    except RuntimeError as exc:
        msg = f"{path}: not a readable OSM file ({exc})"
        raise InputError(msg) from None
    return entries

