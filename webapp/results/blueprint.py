"""The 実績 screens' blueprint, in its own module so that the view modules import it without importing the
package that imports them (no import circle, tests/test_layers.py)."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("results", "webapp.results", url_prefix="/results", template_folder="templates",
               static_folder="static", static_url_path="/static")
