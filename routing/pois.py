"""Points of interest and hamlets read from an OSM XML file.

Only OSM *nodes* are read (the sample district and most small facilities are
tagged on nodes). Kinds and the tags that make them:

=================  =============================================
kind               OSM tags
=================  =============================================
community_centre   ``amenity=community_centre``
townhall           ``amenity=townhall``
supermarket        ``shop=supermarket``
convenience        ``shop=convenience``
pharmacy           ``amenity=pharmacy`` (or ``healthcare=pharmacy``)
clinic             ``amenity=clinic`` / ``amenity=doctors`` (or ``healthcare=clinic``)
hamlet             ``place=hamlet`` / ``place=village`` / ``place=isolated_dwelling``
=================  =============================================
"""

from __future__ import annotations

import bz2
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from routing.errors import InputError

KINDS = ("community_centre", "townhall", "supermarket", "convenience", "pharmacy", "clinic", "hamlet")

_RULES: list[tuple[str, str, str]] = [
    ("amenity", "community_centre", "community_centre"),
    ("amenity", "townhall", "townhall"),
    ("shop", "supermarket", "supermarket"),
    ("shop", "convenience", "convenience"),
    ("amenity", "pharmacy", "pharmacy"),
    ("healthcare", "pharmacy", "pharmacy"),
    ("amenity", "clinic", "clinic"),
    ("amenity", "doctors", "clinic"),
    ("healthcare", "clinic", "clinic"),
    ("place", "hamlet", "hamlet"),
    ("place", "village", "hamlet"),
    ("place", "isolated_dwelling", "hamlet"),
]


@dataclass(frozen=True)
class Poi:
    """A point of interest: a facility or a settlement centre.

    Attributes
    ----------
    osm_id
        OSM node id.
    kind
        One of `KINDS`.
    name
        The ``name`` tag ("" when untagged).
    lat, lon
        Position in degrees.
    tags
        All tags of the node.
    """

    osm_id: int
    kind: str
    name: str
    lat: float
    lon: float
    tags: dict[str, str] = field(default_factory=dict, compare=False)


def poi_kind(tags: dict[str, str]) -> str | None:
    """Return the kind a node's tags make it, or None if it is not a point of interest."""
    for key, value, kind in _RULES:
        if tags.get(key) == value:
            return kind
    return None


def read_pois(osm_path: str | os.PathLike, *, kinds: tuple[str, ...] = KINDS) -> list[Poi]:
    """Read points of interest from an OSM XML file (plain or ``.bz2``).

    Parameters
    ----------
    osm_path
        The OSM XML file.
    kinds
        Kinds to keep (default all of `KINDS`).

    Returns
    -------
    list[Poi]
        In file order.

    Raises
    ------
    routing.errors.InputError
        If the file is missing or not readable OSM XML.
    """
    path = Path(osm_path)
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    opener = bz2.open if path.name.lower().endswith(".bz2") else open
    pois: list[Poi] = []
    try:
        with opener(path, "rb") as fh:
            for _, elem in ET.iterparse(fh, events=("end",)):
                if elem.tag == "node":
                    tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                    kind = poi_kind(tags)
                    if kind in kinds:
                        pois.append(Poi(int(elem.get("id")), kind, tags.get("name", ""),
                                        float(elem.get("lat")), float(elem.get("lon")), tags))
                    elem.clear()
                elif elem.tag in ("way", "relation"):
                    elem.clear()
    except (OSError, EOFError, ET.ParseError, TypeError, ValueError) as exc:
        msg = f"{path}: not a readable OSM XML file ({exc})"
        raise InputError(msg) from None
    return pois
