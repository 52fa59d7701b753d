"""The request kinds' colours: the one table every screen, the map and the stop sheet read.

A kind's colour always comes with its word (`webapp.i18n.word`), and text on it is black or
white, whichever contrasts more (`ink_on`): at least 4.5:1 (WCAG AA) for every kind,
checked from these values by ``tests/webapp/test_kind_colours.py``. The pages get the table as
one CSS block (`KIND_CSS`: ``.kind-ride { --kind: ...; --kind-ink: ... }``) placed after
every stylesheet of the page (``templates/base.html``, ``templates/sheet/sheet.html``), so an
element of class ``kind-<kind>``, and what it holds, paints ``var(--kind)`` with
``var(--kind-ink)`` text (``static/app.css``: ``.badge``); the board and the comparison set
``--kind`` inline from `KIND_COLOURS`, the route map (Leaflet) and the sheet's SVG read
`KIND_COLOURS` too.
"""

from __future__ import annotations

from markupsafe import Markup

__all__ = ["KIND_COLOURS", "KIND_CSS", "OTHER_COLOUR", "contrast", "ink_on"]

#: One colour per request kind (`scheduler.domain.RequestKind`), used the same on every screen.
#: Ride was #7570b3 until white on it measured 4.44:1; #6862ac keeps its hue and saturation (5.34:1).
KIND_COLOURS = {"visit": "#1f77b4", "session": "#2ca02c", "errand": "#d95f02", "ride": "#6862ac"}
#: The colour of a stop of no kind of the table (departure, return, break) and its text.
OTHER_COLOUR = "#555555"
_BLACK, _WHITE = "#000000", "#ffffff"


def _luminance(colour: str) -> float:
    """Return the WCAG 2 relative luminance of a ``#rgb`` or ``#rrggbb`` colour."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(d * 2 for d in hex_digits)
    channels = []
    for i in (0, 2, 4):
        c = int(hex_digits[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    """Return the WCAG 2 contrast ratio of two colours (1 to 21).

    >>> round(contrast("#000", "#fff"), 1)
    21.0
    """
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def ink_on(background: str) -> str:
    """Return the text colour on `background`: black or white, whichever contrasts more.

    >>> ink_on("#2ca02c"), ink_on("#1f77b4")
    ('#000000', '#ffffff')
    """
    return _BLACK if contrast(background, _BLACK) > contrast(background, _WHITE) else _WHITE


def _css() -> str:
    rules = [f".kind-{kind} {{ --kind: {colour}; --kind-ink: {ink_on(colour)}; }}"
             for kind, colour in KIND_COLOURS.items()]
    return "\n".join(rules)


#: The kinds' colours as CSS custom properties, one rule per kind (see the module docstring).
KIND_CSS = Markup(_css())
