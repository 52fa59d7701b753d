"""The stop sheet (運行表) of one shift: what the A4 page prints, and its route map as SVG.

`stop_sheet` gathers one vehicle's day of a plan version: the rows (the
driver's cards, `webapp.plan_views.shift_rows`, whose words come from
`scheduler.io.exports.plan_rows` like the CSV export), the crew, when the
version was published, and the route map. `route_svg` draws that map from
the instance's own road graph (the roads in the route's box thin and grey,
the route thick, a numbered marker per stop in the table's order, coloured
by request kind) so the page prints in a browser and in WeasyPrint without
any tile server. The sheet holds residents' data of this route only: views
pass `StopSheet.resident_ids` to `webapp.audit.record` (`shift_sheet` does).
The views render it with `render_sheet` (HTML, print button) or `sheet_pdf`
(the same HTML through WeasyPrint, `webapp.pdf`).

A memo longer than a row holds (`MEMO_ROW_CHARS`, about two lines of its
column) is cut in its row with a reference (…（注記 n へ続く）) and printed
whole under 注記 after the table (`StopSheet.long_memos`): a 500-character
memo keeps its row one row high and the sheet at its pages.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, render_template
from markupsafe import Markup, escape

from routing.network import RoadNetwork
from scheduler.domain import Plan, Vehicle
from scheduler.store import Store
from webapp import audit
from webapp.db import get_store, road_network
from webapp.kinds import KIND_COLOURS, OTHER_COLOUR, ink_on
from webapp.locks import lock_index
from webapp.maps import Bbox, shift_geometry
from webapp.pdf import PdfUnavailable, render_pdf
from webapp.plan_views import ShiftRow, StopCard, shift_rows

__all__ = [
    "MEMO_ROW_CHARS",
    "STYLESHEET",
    "MapMarker",
    "SheetNote",
    "StopSheet",
    "render_sheet",
    "route_svg",
    "sheet_pdf",
    "shift_sheet",
    "stop_sheet",
]

#: The sheet's stylesheet (screen and print); the PDF is printed with it too.
STYLESHEET = Path(__file__).parent / "static" / "sheet.css"

#: Width of the map's drawing in SVG units; the height follows the route's box.
_WIDTH = 1000
#: Tallest drawing (a tall narrow route is scaled to fit), SVG units.
_MAX_HEIGHT = 900
_MARKER_R = 15
#: Roads drawn a little wider (OSM highway classes).
_MAJOR_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary"})


@dataclass(frozen=True)
class MapMarker:
    """A numbered point of the map: ``kind`` picks the colour, ``label`` is the row's number."""

    label: str
    kind: str
    lat: float
    lon: float
    depot: bool = False


#: The longest memo printed whole in its row (about two lines of the やること · メモ column);
#: a longer one is cut there and printed whole under 注記.
MEMO_ROW_CHARS = 40


@dataclass(frozen=True)
class SheetNote:
    """A memo too long for its row, printed whole under 注記 as note `number` (of the stop numbered `row`)."""

    number: int
    row: int
    text: str

    @property
    def short(self) -> str:
        """What its row prints before the reference."""
        return self.text[:MEMO_ROW_CHARS].rstrip()


@dataclass
class StopSheet:
    """One shift's stop sheet: the plan version, the rows in order, the crew and the map."""

    plan: Plan
    row: ShiftRow
    crew: list[str]
    published_at: dt.datetime | None
    svg: Markup
    #: the stops (card ids) a dispatcher's lock keeps on this shift (`scheduler.locks`): marked 鍵
    locked_ids: frozenset[int] = frozenset()

    @property
    def vehicle(self) -> Vehicle:
        return self.row.vehicle

    @property
    def day(self) -> dt.date:
        return self.row.day

    @property
    def stops(self) -> list[StopCard]:
        return self.row.stops

    @property
    def collect_total_yen(self) -> int:
        """What the crew collects on the whole route."""
        return sum(s.collect_yen for s in self.row.stops)

    @property
    def served(self) -> int:
        """Rows that serve a request (the ones with a number on the map)."""
        return sum(1 for s in self.row.stops if s.reportable)

    @property
    def resident_ids(self) -> list[int]:
        return self.row.resident_ids

    @property
    def long_memos(self) -> dict[int, SheetNote]:
        """The memos longer than `MEMO_ROW_CHARS` by stop id, numbered 1, 2, ... in the table's order."""
        long = [s for s in self.row.stops if len(s.notes) > MEMO_ROW_CHARS]
        return {s.id: SheetNote(n, s.number, s.notes) for n, s in enumerate(long, 1)}


def stop_sheet(store: Store, network: RoadNetwork, plan: Plan, vehicle_id: int, day: dt.date, *,
               margin_deg: float, colours: dict[str, str]) -> StopSheet | None:
    """Return the stop sheet of `vehicle_id` on `day` in `plan`, or None when it has no route that day.

    Parameters
    ----------
    store, network
        The instance's store and road network.
    plan
        The plan version (a driver's: the latest published one).
    vehicle_id, day
        The shift.
    margin_deg
        Roads drawn around the route's box (``ODEKAKE_MAP_MARGIN_DEG``).
    colours
        ``kind -> CSS colour``, the same as the board and the map.
    """
    row = shift_rows(plan, store, vehicle_id=vehicle_id, day=day).get((vehicle_id, day))
    if row is None:
        return None
    crew = [u.name or u.login for u in store.users.all() if u.active and u.vehicle_id == vehicle_id]
    published_at, _ = store.plans.published_at(plan.id)
    locks = lock_index(store, day, day)
    locked = frozenset(s.id for s in row.stops if s.reportable and locks.holds(vehicle_id, day, s.request_id))
    return StopSheet(plan=plan, row=row, crew=crew, published_at=published_at,
                     svg=_shift_svg(network, row, margin_deg=margin_deg, colours=colours), locked_ids=locked)


def _shift_svg(network: RoadNetwork, row: ShiftRow, *, margin_deg: float, colours: dict[str, str]) -> Markup:
    located = [s for s in row.stops if s.lat is not None and s.lon is not None and s.step_type != "break"]
    if not located:
        return Markup("")
    route, roads, box = shift_geometry(network, [(str(s.id), s.lat, s.lon) for s in located],
                                       margin_deg=margin_deg)
    markers = [MapMarker(str(s.number), s.kind, s.lat, s.lon) for s in located if s.reportable]
    depots = {(s.lat, s.lon) for s in located if s.step_type in ("start", "end")}
    markers = [MapMarker("", "depot", lat, lon, depot=True) for lat, lon in sorted(depots)] + markers
    return route_svg(route, roads, box, markers, colours=colours)


class _Projection:
    """Degrees to SVG units: equirectangular at the box's middle latitude, north up."""

    def __init__(self, box: Bbox) -> None:
        self.box = box
        self.kx = math.cos(math.radians((box.south + box.north) / 2))
        wide = max((box.east - box.west) * self.kx, 1e-9)
        tall = max(box.north - box.south, 1e-9)
        self.scale = min(_WIDTH / wide, _MAX_HEIGHT / tall)
        self.width = round(wide * self.scale)
        self.height = round(tall * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.box.west) * self.kx * self.scale, 1),
                round((self.box.north - lat) * self.scale, 1))

    def points(self, coords: list[list[float]]) -> str:
        return " ".join("{},{}".format(*self.xy(lon, lat)) for lon, lat in coords)


def route_svg(route: dict[str, Any], roads: dict[str, Any], box: Bbox, markers: list[MapMarker], *,
              colours: dict[str, str]) -> Markup:
    """Return an inline SVG map: roads thin and grey, the route thick, numbered markers on top.

    Parameters
    ----------
    route, roads
        GeoJSON FeatureCollections of LineStrings in (lon, lat) order
        (`webapp.maps.shift_geometry`).
    box
        The area drawn; lines leaving it are clipped.
    markers
        Drawn in order (later ones on top); markers at the same place are
        fanned out so each number stays readable.
    colours
        ``kind -> CSS colour`` of the markers (the table's row says the kind in words).
    """
    p = _Projection(box)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="route-svg" viewBox="0 0 {p.width} {p.height}" '
           f'preserveAspectRatio="xMidYMid meet" role="img">')
    parts = [svg,
             f'<clipPath id="map-clip"><rect width="{p.width}" height="{p.height}"/></clipPath>',
             f'<rect class="map-frame" width="{p.width}" height="{p.height}" fill="#fff" stroke="#999"/>',
             '<g clip-path="url(#map-clip)" fill="none" stroke-linejoin="round" stroke-linecap="round">']
    for feature in roads["features"]:
        major = feature["properties"].get("highway") in _MAJOR_ROADS
        parts.append(f'<polyline class="road" points="{p.points(feature["geometry"]["coordinates"])}" '
                     f'stroke="#b8b8b8" stroke-width="{2.4 if major else 1.2}"/>')
    for feature in route["features"]:
        pts = p.points(feature["geometry"]["coordinates"])
        parts.append(f'<polyline class="route-casing" points="{pts}" stroke="#fff" stroke-width="9"/>')
        parts.append(f'<polyline class="route" points="{pts}" stroke="#222" stroke-width="5"/>')
    parts.append("</g>")
    parts += _markers(p, markers, colours)
    parts.append("</svg>")
    return Markup("".join(parts))


def _markers(p: _Projection, markers: list[MapMarker], colours: dict[str, str]) -> list[str]:
    placed: list[tuple[float, float]] = []
    out = []
    for m in markers:
        x, y = _free_spot(p.xy(m.lon, m.lat), placed)
        placed.append((x, y))
        if m.depot:
            out.append(f'<rect class="depot-marker" x="{x - _MARKER_R}" y="{y - _MARKER_R}" '
                       f'width="{2 * _MARKER_R}" height="{2 * _MARKER_R}" fill="#000" stroke="#fff" stroke-width="3"/>')
            continue
        colour = colours.get(m.kind, OTHER_COLOUR)
        out.append(f'<g class="stop-marker kind-{escape(m.kind)}" data-seq="{escape(m.label)}">'
                   f'<circle cx="{x}" cy="{y}" r="{_MARKER_R}" fill="{escape(colour)}" stroke="#fff" stroke-width="3"/>'
                   f'<text x="{x}" y="{y}" dy="0.35em" text-anchor="middle" font-size="{_MARKER_R * 1.3:.0f}" '
                   f'font-weight="bold" fill="{ink_on(colour)}">{escape(m.label)}</text></g>')
    return out


def _free_spot(at: tuple[float, float], placed: list[tuple[float, float]]) -> tuple[float, float]:
    """Return `at`, or the nearest spot on rings around it where a marker covers no other (readable numbers)."""
    apart = 2 * _MARKER_R + 2

    def free(x: float, y: float) -> bool:
        return all(math.hypot(x - px, y - py) >= apart for px, py in placed)

    if free(*at):
        return at
    for ring in range(1, 5):
        steps = 6 * ring
        for k in range(steps):
            angle = 2 * math.pi * k / steps
            x = round(at[0] + ring * apart * math.cos(angle), 1)
            y = round(at[1] + ring * apart * math.sin(angle), 1)
            if free(x, y):
                return x, y
    return at


# ---------------------------------------------------------------------- for the views


def shift_sheet(plan: Plan | None, vehicle_id: int, day: dt.date) -> StopSheet:
    """Return a shift's sheet for the current request, audited; 404 when the plan has no such shift."""
    sheet = None if plan is None else stop_sheet(
        get_store(), road_network(), plan, vehicle_id, day,
        margin_deg=current_app.config["ODEKAKE_MAP_MARGIN_DEG"], colours=KIND_COLOURS)
    if sheet is None:
        abort(404, description=f"no route of vehicle {vehicle_id} on {day.isoformat()}")
    audit.record("view", "resident", sheet.resident_ids)
    return sheet


def render_sheet(sheet: StopSheet, *, back_url: str = "", pdf_url: str = "", pdf: bool = False) -> str:
    """Return the sheet's page: a toolbar (back, print, PDF) on screen, the A4 sheet in print."""
    return render_template("sheet/sheet.html", sheet=sheet, colours=KIND_COLOURS, back_url=back_url,
                           pdf_url=pdf_url, pdf=pdf)


def sheet_pdf(sheet: StopSheet) -> Response:
    """Return the sheet as an A4 PDF (503 naming what to install when the machine cannot make one)."""
    try:
        data = render_pdf(render_sheet(sheet, pdf=True), stylesheet=STYLESHEET)
    except PdfUnavailable as exc:
        abort(503, description=str(exc))
    name = f"sheet-{sheet.day.isoformat()}-vehicle{sheet.vehicle.id}.pdf"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
