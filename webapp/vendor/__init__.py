"""Third-party browser assets served by the app itself (no CDN): Leaflet from `xstatic-leaflet`.

Each asset comes from a Python package pinned in setup.cfg, so an offline
machine has it after ``pip install``. Add another library the same way: an
XStatic package (or a package's data folder) and one route here.
"""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from xstatic.pkg import leaflet as xstatic_leaflet

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

#: Leaflet's version, for cache-busting URLs (``?v=``).
LEAFLET_VERSION = xstatic_leaflet.VERSION


@bp.route("/leaflet/<path:filename>")
def leaflet(filename: str):
    """Serve Leaflet's files (leaflet.js, leaflet.css, images/)."""
    return send_from_directory(xstatic_leaflet.BASE_DIR, filename, max_age=86_400)
