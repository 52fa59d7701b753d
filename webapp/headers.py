"""Security headers on every answer: one after-request hook, registered by `webapp.create_app`.

Every answer (pages, the JSON API, PDFs, error pages, static files) carries:

- ``Content-Security-Policy`` (`CONTENT_SECURITY_POLICY`): scripts only from the app's own
  files (no inline ``<script>``, no ``on*=`` attributes, no ``javascript:`` URLs, no eval),
  nothing from another host, no plug-ins, no ``<base>``, no framing, forms post only here.
  Styles allow ``'unsafe-inline'``: Leaflet positions its panes and markers with inline
  styles, and the board, compare page and stop sheet colour each request kind with a
  ``style="--kind: ..."`` / ``style="background: ..."`` attribute. Images may also be
  ``data:`` URLs (small inline icons), never from another host.
- ``X-Frame-Options: DENY`` (what ``frame-ancestors 'none'`` says, for browsers that predate it),
  ``X-Content-Type-Options: nosniff`` (a JSON answer is never read as HTML or script),
  ``Referrer-Policy: no-referrer`` (addresses with a resident's id or a week stay here).
- ``Cache-Control: no-store`` on every answer but static files (`STATIC_ENDPOINTS`): pages,
  API answers and PDFs may hold residents' personal data, and a shared office PC must not
  keep them in its cache. Static files keep Flask's own caching (``max_age``, ETag).

A view may set its own security header (the hook only fills what is missing), but not its
caching: a non-static answer is always ``no-store``. The other half of the rule lives in the
scripts: a user's text is never HTML there (``textContent``, or a DOM node for Leaflet's
``bindTooltip``/``bindPopup``), see docs/ARCHITECTURE.md, "The web app".
"""

from __future__ import annotations

from flask import Flask, Response, request

#: The directives of every answer's Content-Security-Policy (see the module docstring).
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
#: The Content-Security-Policy header's value.
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)

#: Headers set on every answer (unless the view set them itself).
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

#: Endpoints serving the app's own files (scripts, styles, Leaflet): these keep their caching.
STATIC_ENDPOINTS = frozenset({"static", "vendor.leaflet"})


def is_static(endpoint: str | None) -> bool:
    """Return whether `endpoint` serves static files (the app's, a blueprint's or Leaflet's)."""
    return endpoint is not None and (endpoint in STATIC_ENDPOINTS or endpoint.endswith(".static"))


def add_security_headers(response: Response) -> Response:
    """Set the security headers, and ``Cache-Control: no-store`` unless a static file is answered."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not is_static(request.endpoint):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the hook on `app` (it runs after every request, errors included)."""
    app.after_request(add_security_headers)
