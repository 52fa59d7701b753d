"""Charts drawn on the server as SVG (the 実績 screen and the yearly report): bars per group and a month trend.

Pure functions of the figures: no JavaScript, nothing fetched, so a chart shows offline, prints
and goes into the PDF (WeasyPrint) exactly as on screen. Text is in the Japanese fonts the
stop sheet prints with (`FONT_FAMILY`, `webapp.pdf.JAPANESE_FONTS`). Each chart is an image
for assistive technology (``role="img"``, its ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``); every value is written beside its bar or point as well, and the pages put
the chart's table under it. Colours carry no meaning alone: the trend's two lines differ in
dash as well as colour and the legend names them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from webapp.pdf import JAPANESE_FONTS

__all__ = ["FONT_FAMILY", "RING_COLOUR", "SHARE_COLOURS", "MapMark", "MapWords", "Series", "bar_chart", "district_map", "line_chart",
           "nice_ceiling", "share_colour"]

#: The font-family of every chart's text (the sheet's Japanese fonts, then any sans-serif).
FONT_FAMILY = ", ".join(f"'{f}'" for f in JAPANESE_FONTS) + ", sans-serif"
_WIDTH = 720
_BAR_H = 22
_ROW_H = 30
_LABEL_W = 240
_VALUE_W = 90
_TOP = 12
_INK = "#1b1b1b"
_GRID = "#c8c8c8"


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: its name in the legend, a value per label, colour and dash."""

    name: str
    values: Sequence[float]
    colour: str = "#1f5fa8"
    dashed: bool = False


def nice_ceiling(value: float) -> float:
    """Return the smallest 1, 2 or 5 × 10ⁿ at or above `value` (the top of an axis); 1 for nothing."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'font-family="{escape(FONT_FAMILY)}" font-size="14" fill="{_INK}">')
    return [head,
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>']


def _fmt(value: float | None, unit: str, share: bool) -> str:
    if value is None:
        return "—"
    if share:
        return f"{value * 100:.1f}%"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit}"


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, float | None]], *, unit: str = "",
              share: bool = False, colour: str = "#1f5fa8") -> Markup:
    """Return a horizontal bar chart: a row per ``(label, value)``, the bar's length proportional to its value.

    `share` reads values as fractions of 1 (the axis ends at 100%, values written as 12.5%);
    a value of None draws no bar and writes —. The value is written at the bar's end with `unit`.
    """
    height = _TOP * 2 + max(1, len(bars)) * _ROW_H
    top = 1.0 if share else nice_ceiling(max((v or 0 for _, v in bars), default=0))
    plot_w = _WIDTH - _LABEL_W - _VALUE_W
    parts = _open(chart_id, title, desc, _WIDTH, height)
    parts.append(f'<line x1="{_LABEL_W}" y1="{_TOP - 4}" x2="{_LABEL_W}" y2="{height - _TOP + 4}" stroke="{_INK}"/>')
    for i, (label, value) in enumerate(bars):
        y = _TOP + i * _ROW_H
        length = round(plot_w * max(0.0, min(float(value or 0), top)) / top, 1)
        parts.append(f'<text class="label" x="{_LABEL_W - 8}" y="{y + _BAR_H / 2}" dy="0.35em" '
                     f'text-anchor="end">{escape(_short(label))}</text>')
        parts.append(f'<rect class="bar" x="{_LABEL_W}" y="{y}" width="{length}" height="{_BAR_H}" '
                     f'fill="{escape(colour)}" data-value="{value if value is not None else ""}"/>')
        parts.append(f'<text class="value" x="{_LABEL_W + length + 6}" y="{y + _BAR_H / 2}" dy="0.35em">'
                     f'{escape(_fmt(value, unit, share))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int = 16) -> str:
    """The label cut to fit beside the bars (the table under the chart has it whole), never inside a word."""
    if len(label) <= limit:
        return label
    return re.sub(r"[\s(（]*[A-Za-z]*$", "", label[: limit - 1]) + "…"


_PLOT = (70, 20, 690, 230)  # left, top, right, bottom of the trend's plot area
_LEGEND_Y = 290


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series], *,
               unit: str = "") -> Markup:
    """Return a line chart: a point per label for each series (e.g. this year and last year by month).

    The y axis starts at 0 and ends at a round number above every value (`nice_ceiling`), with
    four grid lines; each point carries its value (``data-value``) and the legend names each line.
    """
    left, top_y, right, bottom = _PLOT
    top = nice_ceiling(max((v for s in series for v in s.values), default=0))
    step = (right - left) / max(1, len(labels) - 1) if len(labels) > 1 else 0
    parts = _open(chart_id, title, desc, _WIDTH, _LEGEND_Y + 20)

    def y_of(v: float) -> float:
        return round(bottom - (bottom - top_y) * v / top, 1)

    def x_of(i: int) -> float:
        return round(left + (step * i if len(labels) > 1 else (right - left) / 2), 1)

    for k in range(5):
        value = top * k / 4
        parts.append(f'<line class="grid" x1="{left}" y1="{y_of(value)}" x2="{right}" y2="{y_of(value)}" '
                     f'stroke="{_GRID}"/><text x="{left - 6}" y="{y_of(value)}" dy="0.35em" text-anchor="end" '
                     f'font-size="12">{escape(_fmt(value, unit, False))}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text class="label" x="{x_of(i)}" y="{bottom + 20}" text-anchor="middle" '
                     f'font-size="12">{escape(label)}</text>')
    for n, s in enumerate(series):
        points = " ".join(f"{x_of(i)},{y_of(v)}" for i, v in enumerate(s.values))
        dash = ' stroke-dasharray="8 5"' if s.dashed else ""
        parts.append(f'<g class="series" data-name="{escape(s.name)}">'
                     f'<polyline points="{points}" fill="none" stroke="{escape(s.colour)}" stroke-width="3"{dash}/>')
        parts += [f'<circle cx="{x_of(i)}" cy="{y_of(v)}" r="4" fill="{escape(s.colour)}" data-value="{v}">'
                  f'<title>{escape(labels[i])}: {escape(_fmt(v, unit, False))}</title></circle>'
                  for i, v in enumerate(s.values)]
        parts.append("</g>")
        x = left + n * 220
        parts.append(f'<line x1="{x}" y1="{_LEGEND_Y}" x2="{x + 40}" y2="{_LEGEND_Y}" stroke="{escape(s.colour)}" '
                     f'stroke-width="3"{dash}/><text class="legend" x="{x + 48}" y="{_LEGEND_Y}" dy="0.35em">'
                     f'{escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- the district map

#: The sequential scale of the share reached: five steps of 20 %, light to dark (ColorBrewer Blues).
SHARE_COLOURS = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
#: The ring of the requests left unserved (its width grows with their number).
RING_COLOUR = "#b35900"
_MAP_W, _MAP_H, _MAP_PAD = 720, 420, 60
_R_MIN, _R_MAX, _RING_MAX = 10, 34, 10


@dataclass(frozen=True)
class MapMark:
    """A district on the map: its name, its residents' mean position, how many, the share reached, unserved."""

    name: str
    lat: float
    lon: float
    residents: int
    share: float | None
    unserved: int
    note: str  # its figures in words (the mark's <title>)


@dataclass(frozen=True)
class MapWords:
    """The legend's words, in the page's language."""

    share: str  # the colour scale's heading
    size: str  # what a circle's size says
    ring: str  # what the ring says
    no_share: str  # a district without a share
    most: str  # the most requests left unserved of a district, ``%(n)s`` for the number


def share_colour(share: float | None) -> str:
    """The colour of a share reached (`SHARE_COLOURS`); white for none."""
    if share is None:
        return "#ffffff"
    return SHARE_COLOURS[min(len(SHARE_COLOURS) - 1, int(max(0.0, share) * len(SHARE_COLOURS)))]


def _project(marks: Sequence[MapMark]) -> list[tuple[float, float]]:
    """Each mark's place in the map's plot (equirectangular around the mean latitude, north up, fitted)."""
    lat0 = sum(m.lat for m in marks) / len(marks)
    k = math.cos(math.radians(lat0))
    xs, ys = [m.lon * k for m in marks], [-m.lat for m in marks]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = min(_MAP_W - 2 * _MAP_PAD, _MAP_H - 2 * _MAP_PAD) / span
    cx = (_MAP_W - (max(xs) - min(xs)) * scale) / 2
    cy = (_MAP_H - (max(ys) - min(ys)) * scale) / 2
    return [(round(cx + (x - min(xs)) * scale, 1), round(cy + (y - min(ys)) * scale, 1)) for x, y in zip(xs, ys, strict=True)]


def district_map(chart_id: str, title: str, desc: str, marks: Sequence[MapMark], words: MapWords) -> Markup:
    """Return the districts as circles at their residents' mean position: sized by residents, coloured by reach.

    Districts have no outline in the data: each is a circle (area by its registered residents) at its
    registered residents' mean position, filled by the share reached (`SHARE_COLOURS`, dark outline),
    ringed in `RING_COLOUR` as wide as its requests left unserved call for (none: no ring), and named
    beneath with its share. Each mark carries its figures in a ``<title>`` and ``data-`` attributes.
    """
    legend_y = _MAP_H + 10
    parts = _open(chart_id, title, desc, _MAP_W, legend_y + 90)
    parts.append(f'<rect x="0.5" y="0.5" width="{_MAP_W - 1}" height="{_MAP_H - 1}" fill="#fafafa" stroke="{_GRID}"/>')
    most = max((m.residents for m in marks), default=1) or 1
    worst = max((m.unserved for m in marks), default=0)
    for mark, (x, y) in zip(marks, _project(marks) if marks else [], strict=True):
        r = round(_R_MIN + (_R_MAX - _R_MIN) * math.sqrt(mark.residents / most), 1)
        share = "" if mark.share is None else mark.share
        parts.append(f'<g class="district" data-district="{escape(mark.name)}" data-residents="{mark.residents}" '
                     f'data-share="{share}" data-unserved="{mark.unserved}"><title>{escape(mark.note)}</title>')
        width = round(2 + (_RING_MAX - 2) * math.sqrt(mark.unserved / worst), 1) if mark.unserved and worst else 0
        if width:
            parts.append(f'<circle class="ring" cx="{x}" cy="{y}" r="{round(r + 3 + width / 2, 1)}" fill="none" '
                         f'stroke="{RING_COLOUR}" stroke-width="{width}"/>')
        parts.append(f'<circle class="mark" cx="{x}" cy="{y}" r="{r}" fill="{share_colour(mark.share)}" '
                     f'stroke="{_INK}" stroke-width="1.5"/>')
        label = f"{_short(mark.name, 12)} {_fmt(mark.share, '', True)}"
        parts.append(f'<text class="label" x="{x}" y="{round(y + r + 3 + width + 14, 1)}" text-anchor="middle" font-size="13" '
                     f'stroke="#ffffff" stroke-width="4" paint-order="stroke">{escape(label)}</text></g>')
    parts += _map_legend(legend_y, words, worst)
    parts.append("</svg>")
    return Markup("".join(parts))


def _map_legend(y: int, words: MapWords, worst: int) -> list[str]:
    parts = [f'<text class="legend" x="10" y="{y + 14}">{escape(words.share)}</text>']
    for i, colour in enumerate(SHARE_COLOURS):
        x = 10 + i * 64
        parts.append(f'<rect x="{x}" y="{y + 24}" width="60" height="16" fill="{colour}" stroke="{_INK}"/>'
                     f'<text x="{x + 30}" y="{y + 54}" text-anchor="middle" font-size="12">{i * 20}–{(i + 1) * 20}%</text>')
    parts.append(f'<rect x="{10 + 5 * 64}" y="{y + 24}" width="24" height="16" fill="#ffffff" stroke="{_INK}"/>'
                 f'<text x="{10 + 5 * 64 + 30}" y="{y + 37}" font-size="12">{escape(words.no_share)}</text>')
    parts.append(f'<text class="legend" x="430" y="{y + 14}">{escape(words.size)}</text>')
    parts.append(f'<circle cx="444" cy="{y + 46}" r="10" fill="none" stroke="{RING_COLOUR}" stroke-width="6"/>'
                 f'<text class="legend" x="466" y="{y + 40}" dy="0.35em" font-size="12">{escape(words.ring)}</text>')
    if worst:  # the widest ring's number, on a line of its own (the legend fits the map's width)
        parts.append(f'<text class="legend" x="466" y="{y + 58}" dy="0.35em" font-size="12">'
                     f'{escape(words.most % {"n": f"{worst:,}"})}</text>')
    return parts
