"""Kind colours and the text on them, checked from the values the app ships (no browser, no plan needed).

Every request kind's colour (`webapp.kinds.KIND_COLOURS`) carries its word in black or white
(`ink_on`) at 4.5:1 or more (WCAG AA, the driver's screen promises it); the stylesheets paint
``.badge`` with ``var(--kind)`` / ``var(--kind-ink)``, and no stylesheet gives a kind another
colour that could win over the table's block, which every page puts after all its stylesheets.
The browser check of what a page really paints is ``tests/webapp/browser/test_contrast.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.domain import RequestKind
from tests.webapp.conftest import WEEK, login
from webapp.kinds import KIND_COLOURS, KIND_CSS, OTHER_COLOUR, contrast, ink_on

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
AA = 4.5


def test_contrast_is_wcag_2():
    """Known WCAG 2 ratios: black on white 21:1, #777 on white 4.48:1 (just under AA), a colour on itself 1:1."""
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.005)
    assert contrast("#7570b3", "#ffffff") == pytest.approx(4.44, abs=0.005)  # the old ride purple (issue 20)
    assert contrast("#1f77b4", "#1f77b4") == 1.0


def test_every_request_kind_has_a_colour():
    """The table has exactly the domain's request kinds."""
    assert set(KIND_COLOURS) == {k.value for k in RequestKind}


@pytest.mark.parametrize("kind", [*KIND_COLOURS, None], ids=[*KIND_COLOURS, "other"])
def test_text_on_every_kind_colour_is_at_least_4_5_to_1(kind):
    """Black or white, whichever contrasts more, reaches 4.5:1 on each kind's colour and on the grey of other stops.

    visit #1f77b4 white 4.82, session #2ca02c black 6.17, errand #d95f02 black 5.59,
    ride #6862ac white 5.34 (was #7570b3: 4.44), other #555555 white 7.46.
    """
    colour = OTHER_COLOUR if kind is None else KIND_COLOURS[kind]
    assert ink_on(colour) in ("#000000", "#ffffff")
    assert contrast(colour, ink_on(colour)) >= AA, f"{kind}: {colour} with {ink_on(colour)}"


# ---------------------------------------------------------------- the stylesheets as shipped


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """Return (selector, {property: value}) for every innermost rule of a stylesheet (at-rules' bodies included)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            name, _, value = declaration.partition(":")
            if value.strip():
                declarations[name.strip().lower()] = " ".join(value.split()).lower()
        rules.append((" ".join(selector.split()), declarations))
    return rules


def _specificity(selector: str) -> tuple[int, int, int]:
    """Return a simple selector list item's (ids, classes and pseudo-classes, elements) (enough for our CSS)."""
    ids = len(re.findall(r"#[\w-]+", selector))
    classes = len(re.findall(r"\.[\w-]+|\[[^]]*]|:(?!:)[\w-]+", selector))
    elements = len(re.findall(r"(?:^|[\s>+~])[a-z][\w-]*", selector))
    return ids, classes, elements


def _hex6(value: str) -> str:
    """Return ``#rgb`` as ``#rrggbb`` (other values as they are)."""
    return "#" + "".join(d * 2 for d in value[1:]) if re.fullmatch(r"#[0-9a-f]{3}", value) else value


def _stylesheets() -> list[Path]:
    """Return every stylesheet the app serves (its own and each blueprint's ``static/``)."""
    found = sorted(WEBAPP.glob("static/*.css")) + sorted(WEBAPP.glob("*/static/*.css"))
    assert len(found) >= 6  # app, sheet, booking, dispatch, driver, masters
    return found


def test_the_table_s_block_is_what_the_kind_classes_declare():
    """`KIND_CSS` declares each kind's colour and its text colour, and nothing else."""
    declared = {}
    for selector, declarations in _rules(str(KIND_CSS)):
        kind = re.fullmatch(r"\.kind-(\w+)", selector).group(1)
        declared[kind] = (declarations["--kind"], declarations["--kind-ink"])
    assert declared == {kind: (colour, ink_on(colour)) for kind, colour in KIND_COLOURS.items()}


def test_text_painted_on_a_kind_colour_is_its_ink():
    """A rule painting a background from ``--kind`` writes in ``--kind-ink``, with fallbacks that pass AA too."""
    painted = 0
    for path in _stylesheets():
        for selector, declarations in _rules(path.read_text(encoding="utf-8")):
            background = declarations.get("background") or declarations.get("background-color") or ""
            if "var(--kind" not in background:
                continue
            painted += 1
            bg_fallback = re.search(r"var\(--kind,\s*(#[0-9a-f]+)\)", background)
            ink = re.fullmatch(r"var\(--kind-ink,\s*(#[0-9a-f]+)\)", declarations.get("color", ""))
            assert bg_fallback and ink, f"{path.name} {selector}: {declarations}"
            assert contrast(bg_fallback.group(1), ink.group(1)) >= AA
            assert bg_fallback.group(1) in ("#555", OTHER_COLOUR)
    assert painted >= 1  # app.css: .badge


def test_no_rule_writes_a_badge_in_another_colour():
    """No rule sets a ``.badge``'s text colour but to ``var(--kind-ink, ...)`` (one would override the ink on some kind)."""
    others = []
    for path in _stylesheets():
        for selectors, declarations in _rules(path.read_text(encoding="utf-8")):
            targets_badge = any(".badge" in selector.split()[-1] for selector in selectors.split(","))
            if targets_badge and "color" in declarations and not declarations["color"].startswith("var(--kind-ink"):
                others.append(f"{path.relative_to(WEBAPP)}: {selectors} {{ color: {declarations['color']} }}")
    assert others == []


def test_no_stylesheet_gives_a_kind_another_colour_that_could_win():
    """Every ``--kind``/``--kind-ink``/``color`` set on a ``.kind-<kind>`` selector equals the table's value, or loses to it.

    It loses when its selector is no more specific than the table's ``.kind-<kind>``: the
    table's block comes after every stylesheet (`test_pages_put_the_table_after_every_stylesheet`).
    ``webapp/booking/static/booking.css`` still repeats the old colours that way (its owner removes them).
    """
    wins = []
    for path in _stylesheets():
        for selectors, declarations in _rules(path.read_text(encoding="utf-8")):
            for selector in selectors.split(","):
                for kind in re.findall(r"\.kind-(\w+)", selector):
                    if kind not in KIND_COLOURS:
                        continue
                    expected = {"--kind": KIND_COLOURS[kind], "--kind-ink": ink_on(KIND_COLOURS[kind]),
                                "color": ink_on(KIND_COLOURS[kind])}
                    for name, value in declarations.items():
                        if name in expected and _hex6(value) != expected[name] \
                                and not value.startswith("var(--kind-ink") \
                                and _specificity(selector.strip()) > (0, 1, 0):
                            wins.append(f"{path.relative_to(WEBAPP)}: {selector.strip()} {{ {name}: {value} }}")
    assert wins == []


@pytest.mark.parametrize(("who", "path"), [
    ("operator", "/booking/residents/1"), ("operator", "/booking/residents/new"), ("driver1", "/driver/"),
    ("dispatcher", f"/dispatch/weeks/{WEEK}"), ("admin", "/masters/"), ("admin", "/masters/sites"),
])
def test_pages_put_the_table_after_every_stylesheet(client, who, path):
    """The kinds' block is in the page's head after every linked stylesheet, so equal selectors take its colours."""
    login(client, who)
    page = client.get(path)
    assert page.status_code == 200, path
    html = page.text
    table = html.find(str(KIND_CSS).splitlines()[0])
    links = [m.start() for m in re.finditer(r"<link rel=\"stylesheet\"", html)]
    assert links and 0 < table < html.find("</head>")
    assert max(links) < table


def test_the_sheet_numbers_and_map_markers_are_written_in_their_ink(client, route):
    """The stop sheet's numbers carry the ink of their background; the map's markers too (one of each kind)."""
    from webapp.maps import Bbox
    from webapp.sheet import MapMarker, route_svg

    day, _ = route
    login(client, "driver1")
    html = client.get(f"/driver/sheet/{day}").text
    numbers = re.findall(r'class="num" style="background: (#[0-9a-f]+); color: (#[0-9a-f]+)"', html)
    assert numbers and html.count('class="num"') == len(numbers)
    for background, ink in numbers:
        assert ink == ink_on(background) and contrast(background, ink) >= AA
    markers = [MapMarker(str(i), kind, 0.5, 0.1 * i) for i, kind in enumerate([*KIND_COLOURS, "start"], 1)]
    svg = route_svg({"features": []}, {"features": []}, Bbox(0, 0, 1, 1), markers, colours=KIND_COLOURS)
    drawn = re.findall(r'<circle [^>]*fill="(#[0-9a-f]+)"[^>]*/><text [^>]*fill="(#[0-9a-f]+)"', svg)
    assert len(drawn) == len(markers)
    assert all(ink == ink_on(fill) and contrast(fill, ink) >= AA for fill, ink in drawn)
