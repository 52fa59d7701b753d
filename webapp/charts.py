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

__all__ = ["FONT_FAMILY", "Series", "bar_chart", "line_chart", "nice_ceiling"]

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
