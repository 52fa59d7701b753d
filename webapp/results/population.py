"""The population per district uploaded on the 実績 screen by an admin (issue 27): ``/results/population``.

The same checks as ``odekake population import`` (`scheduler.evidence.population`): a file with bad
rows imports nothing and every bad row is listed (its row and field, in the screen's language); a
good file replaces the whole table and says how many districts. A form with its CSRF token; the
page works without JavaScript.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import render_template
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from routing.errors import InputError
from scheduler.evidence.population import import_population
from webapp.db import get_store
from webapp.messages import message
from webapp.results.blueprint import bp

__all__ = ["PopulationForm"]


class PopulationForm(FlaskForm):
    """A CSV file of the population per district (columns district, population, optional label)."""

    file = FileField(lazy_gettext("CSVファイル"), validators=[FileRequired(lazy_gettext("ファイルを選んでください"))])


@bp.route("/population", methods=["GET", "POST"], endpoint="population")
def population():
    """Upload the population per district: all rows, replacing the table, or none with every bad row listed."""
    form = PopulationForm()
    imported, problems = None, []
    if form.validate_on_submit():
        with tempfile.TemporaryDirectory(prefix="odekake-population-") as folder:
            path = Path(folder) / "population.csv"
            form.file.data.save(path)
            try:
                imported = import_population(get_store(), path)
            except InputError as exc:
                problems = [message(p) for p in (exc.params or {}).get("problems") or []]
                if not problems:
                    form.file.errors = [*form.file.errors, message(exc).replace(str(path), form.file.data.filename or "")]
    rows = get_store().db.execute("SELECT district, population, label FROM district_population ORDER BY district")
    failed = bool(form.errors or problems)
    return render_template("results/population.html", form=form, imported=imported, problems=problems,
                           table=[tuple(r) for r in rows]), 400 if failed else 200
