"""実績 (results) for dispatchers and admins (issue 27): the figures of a period, charts, exports, the yearly report.

``/results/`` asks for a period (a month, a fiscal year 年度 April–March, or custom dates), a
grouping tab (地区 / 施設 / 車両 / サービス / 月別) and optionally one district, and shows the
figures of `scheduler.evidence.stats.figures` as charts drawn on the server (`webapp.charts`),
each with its table under it, the reach per district (flagged past `FLAG_DAYS` without a hall
session or a home visit) and the month trend against last year; the CSV and Excel buttons link
to ``GET /api/stats`` with the same question, headed in the screen's language. ``/results/report.pdf?fy=2026`` is the yearly
evaluation report for the council (`webapp.results.report`); ``/results/population`` an admin's
upload of the population per district (`webapp.results.population`). A bad field is shown beside it in
the screen's language (`webapp.messages.problem`) and the page answers 400.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from scheduler.evidence.stats import (
    FLAG_DAYS,
    GROUPINGS,
    district_centres,
    figures,
    known_districts,
)
from webapp import clock
from webapp.db import get_store
from webapp.i18n import language
from webapp.messages import problem
from webapp.results.blueprint import bp
from webapp.results.period import PERIODS, fiscal_year, read_question
from webapp.results.view import (
    GROUP_WORDS,
    map_chart,
    map_table,
    reach_chart,
    reach_table,
    row_tables,
    services_chart,
    trend_chart,
    trend_table,
)


def service_names(store) -> dict[str, str]:
    """The service catalogue's codes and names, in its order."""
    return {s.code: s.name_ja for s in store.services.all()}


@bp.route("/")
def index():
    """実績: the figures of the period asked for (default: this fiscal year), charts with their tables."""
    store = get_store()
    today = clock.today()
    question = read_question(request.args, today, store)
    answer = figures(store, question.first, question.last, question.by, district=question.district, today=today)
    errors = {name: problem(exc) for name, exc in question.errors.items()}
    centres = district_centres(store)
    exports = {fmt: url_for("api.stats", **question.query(format=fmt, lang=language())) for fmt in ("csv", "xlsx")}
    page = render_template(
        "results/index.html", q=question, figures=answer, errors=errors, periods=PERIODS, groupings=GROUPINGS,
        group_words=GROUP_WORDS, districts=sorted(d for d in known_districts(store) if d),
        tables=row_tables(answer, service_names(store)), services_svg=services_chart("chart-services", answer),
        trend_svg=trend_chart("chart-trend", answer), trend=trend_table(answer),
        reach_svg=reach_chart("chart-reach", answer), reach=reach_table(answer), flag_days=FLAG_DAYS,
        map_svg=map_chart("chart-map", answer, centres), map_table=map_table(answer, centres),
        exports=exports, report_fy=fiscal_year(question.first))
    return page, 400 if errors else 200


from webapp.results import population as _population  # noqa: F401  (registers /results/population on bp)
from webapp.results import report as _report  # noqa: F401  (registers /results/report.pdf on bp)
