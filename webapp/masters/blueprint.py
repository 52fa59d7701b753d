"""The master-data screens' blueprint, in its own module.

`webapp.masters` (its package) and `webapp.masters.audit_log` put their
routes on `bp`; it lives here so the view modules import it without
importing the package that imports them (no import circle, tests/test_layers.py).
"""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("masters", __name__, url_prefix="/masters", template_folder="templates",
               static_folder="static", static_url_path="/static")
