"""What the 実績 screen and the yearly report show of `scheduler.evidence.stats.Figures`: tables and charts.

A `Table` is a caption, columns (the figure's key, its staff words, how a value is written) and
rows of written cells; the charts are `webapp.charts` SVG, each with the table it draws placed
under it by the templates. Every label is a gettext phrase (English in messages.po); the names of
districts, sites, vehicles and services are the store's own. No resident is named or numbered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from scheduler.evidence.stats import Figures
from webapp.charts import MapMark, MapWords, Series, bar_chart, district_map, line_chart
from webapp.i18n import N_, language

__all__ = ["GROUP_WORDS", "Column", "Table", "brief_table", "key_figures", "map_chart", "map_table", "month_label", "reach_chart",
           "reach_table", "row_tables", "services_chart", "trend_brief", "trend_chart", "trend_table"]

#: The grouping tabs, in order.
GROUP_WORDS = {"district": N_("地区"), "site": N_("施設"), "vehicle": N_("車両"), "service": N_("サービス"),
               "month": N_("月別")}


@dataclass(frozen=True)
class Column:
    """A column: the figure's key, its staff words and how a value is written (`_cell`)."""

    key: str
    words: str
    kind: str = "count"  # count | yen | rate | days | km | hours | ratio | text


@dataclass
class Table:
    """A table of written cells: a caption, column headings, rows (the first cell names the group)."""

    caption: str
    headings: list[str]
    rows: list[list[str]]
    numeric: list[bool]


_DONE = (Column("sessions_held", N_("巡回の回数")), Column("visits_done", N_("訪問の件数")),
         Column("errands_delivered", N_("おつかいの配達")), Column("rides_done", N_("乗車の件数")),
         Column("passengers", N_("乗車人数")), Column("boxes_delivered", N_("届けた箱")),
         Column("collected_yen", N_("集金額"), "yen"), Column("services_total", N_("用件の合計")),
         Column("walk_ins", N_("当日受付の用件")), Column("unique_residents", N_("対応した住民（実人数）")))
_LEFT_OUT = (Column("unserved_not_home", N_("不在")), Column("unserved_cannot_serve", N_("対応不可")),
             Column("unserved_cancelled", N_("取消")), Column("unserved_not_planned", N_("未割当")),
             Column("not_home_rate", N_("不在率"), "rate"),
             Column("lead_time_days_p50", N_("申込から対応までの日数（中央値）"), "days"),
             Column("lead_time_days_p90", N_("申込から対応までの日数（9割）"), "days"))
_COST = (Column("distance_km", N_("走行距離"), "km"), Column("driving_hours", N_("運転時間"), "hours"),
         Column("staff_hours", N_("職員の従事時間"), "hours"),
         Column("services_per_driving_hour", N_("運転1時間あたりの用件"), "ratio"))
_TABLES = ((N_("対応した実績"), _DONE), (N_("対応できなかった依頼と待ち日数"), _LEFT_OUT), (N_("運行と時間"), _COST))


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "yen":
        return f"¥{int(value):,}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return _("%(n)s日", n=format(value, "g"))
    if kind == "km":
        return f"{value:,.1f} km"
    if kind == "hours":
        return _("%(n)s時間", n=format(value, ",.1f"))
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "text":
        return str(value)
    return f"{int(value):,}"


def month_label(month: str) -> str:
    """Return ``2026-11`` as staff write it: 2026年11月 (English Nov 2026)."""
    day = dt.date.fromisoformat(f"{month}-01")
    return day.strftime("%b %Y") if language() == "en" else f"{day.year}年{day.month}月"


def _group_label(figures: Figures, row: dict[str, Any]) -> str:
    if figures.by == "month" and row.get("key"):
        return month_label(str(row["key"]))
    return str(row.get("label") or "—")


def _table(caption: str, figures: Figures, columns: Sequence[Column]) -> Table:
    rows = [[_group_label(figures, r), *(_cell(r.get(c.key), c.kind) for c in columns)] for r in figures.rows]
    rows.append([_("合計"), *(_cell(figures.totals.get(c.key), c.kind) for c in columns)])
    return Table(caption, [_(GROUP_WORDS[figures.by]), *(_(c.words) for c in columns)], rows,
                 [False] + [c.kind != "text" for c in columns])


_KEY = ("services_total", "unique_residents", "sessions_held", "visits_done", "errands_delivered", "rides_done",
        "passengers", "unserved_not_home", "not_home_rate", "lead_time_days_p50", "distance_km", "driving_hours",
        "staff_hours", "services_per_driving_hour")


def key_figures(figures: Figures) -> Table:
    """The period's main figures (the totals) in two columns, for the report's summary page."""
    columns = {c.key: c for _caption, cs in _TABLES for c in cs}
    cells = [[_(columns[k].words), _cell(figures.totals.get(k), columns[k].kind)] for k in _KEY]
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]  # two figures a row
    return Table(_("主な数字"), [_("項目"), _("数")] * 2, rows, [False, True] * 2)


def row_tables(figures: Figures, service_names: dict[str, str]) -> list[Table]:
    """The figures per group in three tables (what was done, what was not, driving and time), and the
    services handled by type per group (except when grouped by service: the rows are the services)."""
    tables = [_table(_(caption), figures, columns) for caption, columns in _TABLES]
    if figures.by != "service":
        columns = [Column(f"services_{code}", name) for code, name in service_names.items()]
        tables.append(_table(_("用件の内訳"), figures, columns))
    return tables


def services_chart(chart_id: str, figures: Figures) -> Markup:
    """Bars of the services handled per group of the figures."""
    group = _(GROUP_WORDS[figures.by])
    bars = [(_group_label(figures, r), r["services_total"]) for r in figures.rows]
    return bar_chart(chart_id, _("%(group)sごとの用件の数", group=group),
                     _("%(group)sごとに、対応した用件（当日受付を含む）の数を横棒で示します。数は下の表にもあります",
                       group=group), bars)


def trend_chart(chart_id: str, figures: Figures) -> Markup:
    """The services handled per month of the period, this year against the same month a year earlier."""
    labels = [month_label(r["month"]).split("年")[-1] if language() != "en" else month_label(r["month"])[:3]
              for r in figures.trend]
    series = [Series(_("対象期間"), [r["services_total"] for r in figures.trend], "#1f5fa8"),
              Series(_("前年同月"), [r["services_total_last_year"] for r in figures.trend], "#b35900", dashed=True)]
    return line_chart(chart_id, _("月別の用件の数（前年同月との比較）"),
                      _("月ごとの用件の数を、実線で対象期間、破線で前年の同じ月を示します。数は下の表にもあります"),
                      labels, series, unit="")


_TREND = (("services_total", N_("用件")), ("sessions_held", N_("巡回")), ("visits_done", N_("訪問")),
          ("errands_delivered", N_("おつかい")), ("rides_done", N_("乗車")), ("unique_residents", N_("住民（実人数）")),
          ("unserved_not_home", N_("不在")))


def trend_table(figures: Figures) -> Table:
    """A row per month: each main count and the same month a year earlier (前年)."""
    headings = [_("年月")]
    for _key, words in _TREND:
        headings += [_(words), _("前年")]
    rows = [[month_label(r["month"]), *(f"{r[k + s]:,}" for k, _w in _TREND for s in ("", "_last_year"))]
            for r in figures.trend]
    return Table(_("月別の推移（前年同月との比較）"), headings, rows, [False] + [True] * (len(headings) - 1))


def _since(row: dict[str, Any], kind: str, flag_words: str) -> str:
    days = row[f"days_since_{kind}"]
    text = _("なし") if days is None else _(flag_words, n=days)
    return f"⚠ {text}" if row[f"{kind}_flagged"] else text


def brief_table(figures: Figures) -> Table:
    """The services handled, walk-ins among them and residents served per group (the report's short table)."""
    return _table(_("用件の数"), figures, [c for c in _DONE if c.key in ("services_total", "walk_ins",
                                                                        "unique_residents")])


def trend_brief(figures: Figures) -> Table:
    """The services per month in two rows, the period and a year earlier (the report's short trend table)."""
    headings = [_("年月"), *(month_label(r["month"]).split("年")[-1] if language() != "en" else month_label(r["month"])
                           for r in figures.trend)]
    rows = [[_("対象期間"), *(f"{r['services_total']:,}" for r in figures.trend)],
            [_("前年同月"), *(f"{r['services_total_last_year']:,}" for r in figures.trend)]]
    return Table(_("月別の用件の数（前年同月との比較）"), headings, rows, [False] + [True] * len(figures.trend))


def reach_table(figures: Figures) -> Table:
    """Per district: registered residents served at least once, the share of the population, days since."""
    with_population = any(r["population"] is not None for r in figures.reach)
    headings = [_("地区"), _("登録住民"), _("対応した住民"), _("到達率")]
    if with_population:
        headings += [_("人口"), _("人口に対する割合")]
    headings += [_("最終巡回"), _("最終訪問")]
    rows = []
    for r in figures.reach:
        cells = [r["district"] or _("地区なし"), _cell(r["registered_residents"], "count"),
                 _cell(r["unique_residents_served"], "count"), _cell(r["reach_share"], "rate")]
        if with_population:
            cells += [_cell(r["population"], "count"), _cell(r["population_share"], "rate")]
        cells += [_since(r, "session", N_("最終巡回から %(n)s日")), _since(r, "visit", N_("最終訪問から %(n)s日"))]
        rows.append(cells)
    return Table(_("地区ごとの到達"), headings, rows, [False] + [True] * (len(headings) - 3) + [False, False])


def reach_chart(chart_id: str, figures: Figures) -> Markup:
    """Bars of the share of each district reached (of the population when imported, else of the registered)."""
    with_population = any(r["population"] is not None for r in figures.reach)
    key, base = ("population_share", _("人口")) if with_population else ("reach_share", _("登録住民"))
    bars = [(r["district"] or _("地区なし"), r[key]) for r in figures.reach]
    return bar_chart(chart_id, _("地区ごとの到達率（%(base)sに対する割合）", base=base),
                     _("地区ごとに、期間中に1回以上対応した住民の割合を横棒で示します。数は下の表にもあります"),
                     bars, share=True, colour="#2e7d32")


def _map_share(figures: Figures) -> tuple[str, str]:
    """The share the map and its table show: of the population when one is imported, else of the registered."""
    if any(r["population"] is not None for r in figures.reach):
        return "population_share", _("人口")
    return "reach_share", _("登録住民")


def _mapped(figures: Figures, centres: dict[str, tuple[float, float, int]]) -> list[dict[str, Any]]:
    """The reach rows of the districts the map can place (those with registered residents' positions)."""
    return [r for r in figures.reach if r["district"] in centres]


def map_chart(chart_id: str, figures: Figures, centres: dict[str, tuple[float, float, int]]) -> Markup:
    """The districts on a map: a circle per district at its residents' mean position (`district_centres`),
    sized by its registered residents, coloured by the share reached, ringed by its requests left unserved."""
    key, base = _map_share(figures)
    marks = []
    for r in _mapped(figures, centres):
        lat, lon, _n = centres[r["district"]]
        note = _("%(district)s: 登録住民 %(n)s人、到達率 %(share)s、対応できなかった依頼 %(unserved)s件",
                 district=r["district"], n=f"{r['registered_residents']:,}", share=_cell(r[key], "rate"),
                 unserved=f"{r['unserved']:,}")
        marks.append(MapMark(r["district"], lat, lon, r["registered_residents"], r[key], r["unserved"], note))
    words = MapWords(share=_("色: 到達率（%(base)sに対する割合）", base=base), size=_("円の大きさ: 登録住民の数"),
                     ring=_("橙の輪: 対応できなかった依頼"), no_share=_("なし"),
                     most=_("（最も多い地区で%(n)s件）", n="%(n)s"))
    return district_map(chart_id, _("地区の地図: 到達率と対応できなかった依頼"),
                        _("地区ごとに、登録住民の位置の平均に円を置いています。円の大きさは登録住民の数、色の濃さは到達率、"
                          "橙の輪の太さは対応できなかった依頼（不在・対応不可・未割当）の数です。数は下の表にもあります"),
                        marks, words)


def map_table(figures: Figures, centres: dict[str, tuple[float, float, int]]) -> Table:
    """The map's figures: per district on it, registered residents, the share reached, the requests left unserved."""
    key, base = _map_share(figures)
    rows = [[r["district"], _cell(r["registered_residents"], "count"), _cell(r[key], "rate"), _cell(r["unserved"], "count")]
            for r in _mapped(figures, centres)]
    return Table(_("地区の地図の数"), [_("地区"), _("登録住民"), _("到達率（%(base)sに対する割合）", base=base),
                                  _("対応できなかった依頼（不在・対応不可・未割当）")], rows, [False, True, True, True])
