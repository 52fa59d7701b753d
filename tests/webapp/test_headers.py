"""Security headers on every answer (`webapp.headers`) and the rules that let the CSP hold (issue 22).

Pages, API answers, error pages and redirects carry the Content-Security-Policy, X-Frame-Options,
X-Content-Type-Options, Referrer-Policy and ``Cache-Control: no-store``; static files carry the
same security headers but keep their caching. Templates hold no inline script, and the app's
scripts never turn text into HTML (the browser test `tests/webapp/browser/test_xss.py` plants
payloads and opens the screens).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.webapp.conftest import WEEK, login
from webapp.headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"


def _has_security_headers(answer) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, f"{name} on {answer.request.path}: {answer.headers.get(name)!r}"


def _not_cached(answer) -> None:
    _has_security_headers(answer)
    assert answer.headers.get("Cache-Control") == "no-store", answer.request.path


def test_the_policy_is_the_documented_one():
    """Own scripts only, inline styles (Leaflet, the kind colours), no plug-ins, no <base>, no framing, own forms."""
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'none'",
        "frame-ancestors": "'none'", "form-action": "'self'"}
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] == "no-referrer"


def test_pages_redirects_and_error_pages_are_not_cached(client):
    """The log-in page, a redirect to it, a logged-in page with residents' data, a 404 and a 403 page."""
    _not_cached(client.get("/login"))
    _not_cached(client.get(f"/dispatch/weeks/{WEEK}"))  # 302 to the log-in
    login(client, "dispatcher")
    board = client.get(f"/dispatch/weeks/{WEEK}")
    assert board.status_code == 200
    _not_cached(board)
    _not_cached(client.get("/no-such-page"))
    _not_cached(client.get("/booking/"))  # 403: the dispatcher does not book


def test_api_answers_are_not_cached(client):
    """JSON answers (with and without a log-in, errors too) and the stop sheet's PDF (or its 503)."""
    unauthorised = client.get("/api/residents?q=a")
    assert unauthorised.status_code == 401
    _not_cached(unauthorised)
    login(client, "operator")
    found = client.get("/api/residents?q=a")
    assert found.status_code == 200 and found.is_json
    _not_cached(found)
    _not_cached(client.get("/api/residents/999999/sessions"))
    login(client, "dispatcher")
    week = client.get(f"/api/weeks/{WEEK}/plan")
    assert week.status_code == 200
    _not_cached(week)


def test_the_stop_sheet_pdf_is_not_cached(client, route):
    """A PDF holds residents' names: no-store as well (a 503 without a Japanese font is an answer too)."""
    day, _stops = route
    login(client, "dispatcher")
    pdf = client.get(f"/api/routes/{day}/1/sheet.pdf")
    assert pdf.status_code in (200, 503)
    _not_cached(pdf)


@pytest.mark.parametrize("path", ["/static/app.css", "/static/sheet.js", "/dispatch/static/route_map.js",
                                  "/booking/static/register_map.js", "/masters/static/site_map.js",
                                  "/vendor/leaflet/leaflet.js"])
def test_static_files_keep_their_caching(client, path):
    """Scripts, styles and Leaflet hold no personal data: security headers, but no no-store (anonymous too)."""
    with client.get(path) as answer:  # a file answer: close it
        assert answer.status_code == 200
        _has_security_headers(answer)
        assert "no-store" not in answer.headers.get("Cache-Control", "")
        if path.startswith("/vendor/"):
            assert "max-age=86400" in answer.headers["Cache-Control"]


def _templates() -> list[Path]:
    return sorted(WEBAPP.rglob("templates/**/*.html"))


def _scripts() -> list[Path]:
    return sorted(WEBAPP.rglob("static/*.js"))


def test_templates_hold_no_inline_script():
    """script-src 'self' blocks inline scripts, on* handlers and javascript: URLs: there are none to block."""
    assert _templates()
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            assert "src=" in tag, f"{path}: inline {tag}"
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE), f"{path}: an on* attribute"
        assert "javascript:" not in text.lower(), f"{path}: a javascript: URL"


def test_scripts_never_turn_text_into_html():
    """No innerHTML & co.; Leaflet's tooltips and popups get a text node (`textLabel`), never a string."""
    assert _scripts()
    for path in _scripts():
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment",
                     "eval(", "new Function"):
            assert sink not in text, f"{path}: {sink}"
        for call in re.finditer(r"\.(bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)\(\s*", text):
            assert text.startswith("textLabel(", call.end()), \
                f"{path}: {call.group(1)} given a string (Leaflet reads it as HTML): {text[call.end():call.end() + 40]}"
