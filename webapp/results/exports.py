"""The column headings and sheet names of the 実績 exports (CSV and Excel) in staff words (issue 27).

``GET /api/stats`` keeps its JSON keys in English. Its CSV and Excel files head each column with
the words of the 実績 screen, in the language asked (`export_language`): ``lang=ja|en``, else the
session's (the screen's), else the browser's ``Accept-Language``, else the instance's (Japanese
first). The screen's buttons say ``lang=`` outright. A key without words keeps its name.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, request, session
from flask_babel import force_locale
from flask_babel import gettext as _

from routing.errors import InputError
from webapp.i18n import LANGUAGES, N_
from webapp.results.view import GROUP_WORDS

__all__ = ["export_language", "headings", "sheet_names"]

#: The words of each figure's key (the screen's where it shows the same figure).
_WORDS = {
    "sessions_held": N_("巡回の回数"), "visits_done": N_("訪問の件数"), "errands_delivered": N_("おつかいの配達"),
    "rides_done": N_("乗車の件数"), "passengers": N_("乗車人数"), "boxes_delivered": N_("届けた箱"),
    "collected_yen": N_("集金額（円）"), "services_total": N_("用件の合計"), "walk_ins": N_("当日受付の用件"),
    "resident_stops_reported": N_("報告のあった停車（巡回を除く）"), "unserved_not_home": N_("不在"),
    "unserved_cannot_serve": N_("対応不可"), "unserved_cancelled": N_("取消"), "unserved_not_planned": N_("未割当"),
    "distance_m": N_("走行距離（m）"), "driving_s": N_("運転時間（秒）"), "staff_s": N_("職員の従事時間（秒）"),
    "unique_residents": N_("対応した住民（実人数）"), "not_home_rate": N_("不在率"),
    "lead_time_days_p50": N_("申込から対応までの日数（中央値）"), "lead_time_days_p90": N_("申込から対応までの日数（9割）"),
    "distance_km": N_("走行距離（km）"), "driving_hours": N_("運転時間（時間）"),
    "staff_hours": N_("職員の従事時間（時間）"), "services_per_driving_hour": N_("運転1時間あたりの用件"),
    "month": N_("年月"), "district": N_("地区"), "registered_residents": N_("登録住民"),
    "unique_residents_served": N_("対応した住民"), "reach_share": N_("到達率"), "population": N_("人口"),
    "population_share": N_("人口に対する割合"), "last_session": N_("最終巡回の日"),
    "days_since_session": N_("最終巡回からの日数"), "session_flagged": N_("巡回の間隔超過"),
    "last_visit": N_("最終訪問の日"), "days_since_visit": N_("最終訪問からの日数"),
    "visit_flagged": N_("訪問の間隔超過"), "unserved": N_("対応できなかった依頼（不在・対応不可・未割当）"),
}
#: The sheet of each table of `scheduler.evidence.stats.Figures.tables`.
_SHEETS = {"rows": N_("集計"), "totals": N_("合計"), "trend": N_("月別推移"), "reach": N_("地区の到達")}


def export_language() -> str:
    """The language of the file's headings: ``lang=``, the session's, ``Accept-Language``, the instance's.

    Raises `InputError` naming ``lang`` for a language there is none of.
    """
    asked = request.args.get("lang")
    if asked:
        if asked not in LANGUAGES:
            raise InputError.of("lang", "{value!r}: use one of {known}", value=asked[:20], known=", ".join(LANGUAGES))
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    default = current_app.config["ODEKAKE_LANGUAGE"]
    if not request.headers.get("Accept-Language"):
        return default
    return request.accept_languages.best_match(LANGUAGES, default=default)


def headings(lang: str, by: str, services: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """The heading of every key of the figures grouped `by`, in `lang`.

    `services` gives each service code its Japanese and English names (the catalogue's).
    """
    with force_locale(lang):
        group = _("年月") if by == "month" else _(GROUP_WORDS[by])
        words = {key: _(phrase) for key, phrase in _WORDS.items()}
        words |= {f"{key}_last_year": _("%(figure)s（前年同月）", figure=text) for key, text in words.items()}
        words |= {"key": _("%(group)sのコード", group=group), "label": group}
        for code, (ja, en) in services.items():
            words[f"services_{code}"] = _("用件：%(service)s", service=en if lang == "en" else ja)
    return words


def sheet_names(lang: str) -> dict[str, str]:
    """The sheet name of each table, in `lang`."""
    with force_locale(lang):
        return {table: _(phrase) for table, phrase in _SHEETS.items()}
