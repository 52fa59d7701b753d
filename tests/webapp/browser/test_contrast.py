"""Every kind's word on its colour, as the browser paints it on each screen: 4.5:1 or more.

What a page shows depends on the plan (a week may put no ride on the day a test opens), so
each screen gets one element of every kind added, in the markup its template writes, and the
browser's computed colours are checked (`tests/webapp/browser/test_driver.py: _LOW_CONTRAST`).
The values themselves are checked without a browser in ``tests/webapp/test_kind_colours.py``.
"""

from __future__ import annotations

import pytest

from tests.webapp.browser.conftest import DESKTOP, TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.webapp.browser.test_driver import _LOW_CONTRAST
from tests.webapp.conftest import WEEK
from webapp.kinds import KIND_COLOURS

pytestmark = pytest.mark.browser

#: Kinds of the table and one that is not (a departure): grey with white.
KINDS = [*KIND_COLOURS, "start"]


def _add_every_kind(page, where: str, markup: str) -> None:
    """Append `markup` once per kind (``{kind}`` replaced) at the end of the element `where`."""
    html = "".join(markup.replace("{kind}", kind) for kind in KINDS)
    page.locator(where).first.evaluate("(e, html) => e.insertAdjacentHTML('beforeend', html)", html)
    assert page.locator(".added-kind").count() == len(KINDS)


def test_the_check_sees_the_old_ride_purple(page_as):
    """The check itself: white on #7570b3 (4.44:1, issue 20) is reported, white on the table's ride colour is not."""
    page = page_as("operator", DESKTOP)
    page.goto("/booking/")
    page.locator("main").evaluate("e => e.insertAdjacentHTML('beforeend', "
                                  "'<span class=\"badge\" style=\"--kind: #7570b3\">old</span>"
                                  "<span class=\"badge kind-ride\">new</span>')")
    assert page.evaluate(_LOW_CONTRAST) == ['SPAN.badge "old" 4.44']


@pytest.mark.parametrize("viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT], ids=["landscape", "portrait"])
def test_driver_cards_of_every_kind(page_as, driver_days, viewport):
    """A driver's card of each kind, with its word badge, passes the contrast check on the tablet."""
    page = page_as("driver1", viewport)
    page.goto(f"/driver/?day={driver_days[1][0]}")
    _add_every_kind(page, "ol.cards", '<li class="card kind-{kind} added-kind"><div class="card-head">'
                                      '<span class="badge">{kind}</span></div><p class="place">x</p></li>')
    assert page.evaluate(_LOW_CONTRAST) == []


def test_board_badges_of_every_kind(page_as, live_server):
    """The week board's kind badges (unassigned requests, and the comparison's rows) pass the contrast check."""
    page = page_as("dispatcher", DESKTOP)
    page.goto(f"/dispatch/weeks/{WEEK}")
    _add_every_kind(page, "main", '<span class="badge kind-{kind} added-kind">{kind}</span>')
    assert page.evaluate(_LOW_CONTRAST) == []


def test_booking_badges_of_every_kind(page_as):
    """The operator's screen shows every kind's badge (new request links), and each passes the contrast check."""
    page = page_as("operator", DESKTOP)
    page.goto("/booking/residents/1")
    for kind in KIND_COLOURS:
        assert page.locator(f".kind-{kind} .badge").count() >= 1
    _add_every_kind(page, "main", '<span class="kind-{kind} added-kind"><span class="badge">{kind}</span></span>')
    assert page.evaluate(_LOW_CONTRAST) == []
