"""The yearly evaluation report (年度の評価報告書) as an A4 PDF for the council: a summary page, a page per district.

``/results/report.pdf?fy=2026`` prints fiscal year 2026 (1 April 2026 – 31 March 2027) through
WeasyPrint like the stop sheet (`webapp.pdf.render_pdf`: nothing fetched, the Japanese font):
the summary page holds the year's main figures, the services per district (chart and table) and
the month trend against last year (chart and table), the next page the district map (reach and
requests left unserved, with its table); each district's page its services by type,
its month trend and its reach. The charts are the screen's SVG (`webapp.charts`), inline. No
resident is named. ``?html=1`` shows the same pages in the browser (to print from there).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Response, abort, render_template, request

from routing.errors import InputError
from scheduler.evidence.stats import district_centres, figures
from webapp import clock
from webapp.db import get_store
from webapp.messages import message
from webapp.pdf import PdfUnavailable, render_pdf
from webapp.results.blueprint import bp
from webapp.results.period import fiscal_year, fiscal_year_days
from webapp.results.view import (
    brief_table,
    key_figures,
    map_chart,
    map_table,
    reach_table,
    services_chart,
    trend_brief,
    trend_chart,
)

__all__ = ["STYLESHEET", "report_html"]

#: The report's stylesheet (A4 portrait, the sheet's fonts), for the PDF and the browser's print.
STYLESHEET = Path(__file__).parent / "static" / "report.css"

def _year(text: str | None, today: dt.date) -> int:
    if not text:
        return fiscal_year(today)
    if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2099:
        raise InputError.of("fy", "{text!r} is not a fiscal year like 2026", text=text[:20])
    return int(text)


def report_html(store, year: int, today: dt.date, *, pdf: bool) -> str:
    """Return the report's pages for fiscal year `year` (figures up to `today`)."""
    first, last = fiscal_year_days(year)
    whole = figures(store, first, last, "district", today=today)
    centres = district_centres(store)
    districts = []
    for n, row in enumerate(whole.reach):
        part = figures(store, first, last, "service", district=row["district"], today=today)
        districts.append({"name": row["district"], "figures": part, "reach": reach_table(part),
                          "services_svg": services_chart(f"d{n}-services", part),
                          "key": key_figures(part), "services": brief_table(part),
                          "trend_svg": trend_chart(f"d{n}-trend", part), "trend": trend_brief(part)})
    return render_template("results/report.html", year=year, figures=whole, districts=districts, pdf=pdf,
                           services_svg=services_chart("all-services", whole), services=brief_table(whole),
                           trend_svg=trend_chart("all-trend", whole), trend=trend_brief(whole),
                           key=key_figures(whole), made=today, map_svg=map_chart("all-map", whole, centres),
                           map_table=map_table(whole, centres))


@bp.route("/report.pdf", endpoint="report")
def report():
    """The yearly evaluation report of ``?fy=`` (default this fiscal year) as an A4 PDF (``&html=1``: the page)."""
    today = clock.today()
    try:
        year = _year(request.args.get("fy"), today)
    except InputError as exc:
        abort(400, description=message(exc))
    if request.args.get("html"):
        return report_html(get_store(), year, today, pdf=False)
    try:
        data = render_pdf(report_html(get_store(), year, today, pdf=True), stylesheet=STYLESHEET)
    except PdfUnavailable as exc:
        abort(503, description=str(exc))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="odekake-evaluation-fy{year}.pdf"'})
